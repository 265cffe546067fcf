/* http_codec.h: HTTP/1.x request writer and response-head parser over td_text.
 * No I/O, no verdicts; header values are escaped copies, bounded. */
#ifndef TD_HTTP_CODEC_H
#define TD_HTTP_CODEC_H

#include "td_reader.h"

typedef struct td_http_head {
    int complete; /* 1 when the blank line ending the head was seen */
    int valid;    /* 1 when the status line parsed */
    int status;
    char reason[64];
    char server[128];
    char date[64];
    char location[256];
    char hsts[160];
    char content_type[96];
    char retry_after[48];
    char x_envoy[64];    /* name of the first x-envoy-* header (Envoy adds them), "" none */
    int upper_names;     /* header lines whose field name has an upper-case letter */
    int headers;         /* header lines read */
    int malformed_lines; /* header lines without a colon */
} td_http_head_t;

/** Parses the head of an HTTP/1.x response held in buf (may be partial). Returns 0, or
 * TD_E_DECODE when the bytes are not an HTTP response, TD_E_LIMIT when a line is over 8 KiB. */
TD_MUST_USE int td_http_head_parse(const uint8_t *buf, size_t len, td_http_head_t *out);

/** Parses an HTTP date in the IMF-fixdate form of RFC 9110 §5.6.7 ("Sun, 06 Nov 1994
 * 08:49:37 GMT") into Unix seconds. Returns 0 or TD_E_DECODE. */
TD_MUST_USE int td_http_date_parse(const char *s, int64_t *out);

/** Writes "GET path HTTP/1.1" with Host, User-Agent, Accept and Connection: close. Host
 * includes ":port" unless port is 443 (https) / 80 (plain). Returns 0 or TD_E_LIMIT. */
TD_MUST_USE int td_http_request_build(char *buf, size_t cap, const char *host, uint16_t port,
                                      int tls, const char *path, size_t *out_len);

#endif
