/* fuzz_pcap_packets.c: covers the packet path of td_pcap_scan() in src/passive/pcap.c with
 * the capture file written by the harness, so the fuzzer spends its time on packets rather
 * than on libpcap's file header: every link layer we decode (Ethernet with VLAN tags, Linux
 * SLL and SLL2, BSD NULL / LOOP, raw IPv4 / IPv6), IPv4 / IPv6 / TCP decoding, the flow table,
 * TCP reassembly (retransmissions, gaps, out of order, FIN / RST, idle eviction) and both TLS
 * flight parsers with the per-connection judgment (src/diagnose/pcapjudge.c) and JSON line.
 * Input: one mode byte, then packets.
 *   mode < 128, raw packets: the link type is mode % 16 (table below); each packet is
 *     [time step: 1 byte, in 1/8 s][length: 2 bytes][the frame].
 *   mode >= 128, TCP segments on one Ethernet/IPv4 conversation built by the harness: each is
 *     [control: 1 byte][length: 1 byte][payload]. control bit 0: server to client; bits 1-4:
 *     SYN, ACK, FIN, RST; bits 5-7: 0-3 in order, 4 a retransmission of the last segment's
 *     sequence, 5 a gap of 1000 bytes, 6 a new client port (a new connection), 7 a 10 minute
 *     pause. */
#include "tlsdoctor.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void put32(FILE *f, uint32_t v)
{
    uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
    fwrite(b, 1, 4, f);
}

static void put_record(FILE *f, uint64_t t8, const uint8_t *frame, size_t len)
{
    put32(f, (uint32_t)(1764000000 + t8 / 8));
    put32(f, (uint32_t)(t8 % 8) * 125000);
    put32(f, (uint32_t)len);
    put32(f, (uint32_t)len);
    fwrite(frame, 1, len, f);
}

static void be16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void be32(uint8_t *p, uint32_t v)
{
    be16(p, v >> 16);
    be16(p + 2, v & 0xffff);
}

static void write_raw(FILE *f, const uint8_t *p, size_t n)
{
    uint64_t t8 = 0;
    while (n >= 3) {
        t8 += p[0];
        size_t len = (size_t)p[1] << 8 | p[2];
        p += 3;
        n -= 3;
        len = len < n ? len : n;
        put_record(f, t8, p, len);
        p += len;
        n -= len;
    }
}

static void write_tcp(FILE *f, const uint8_t *p, size_t n)
{
    static uint8_t frame[14 + 20 + 20 + 255];
    uint32_t seq[2] = { 1000, 50000 }, last[2] = { 1000, 50000 };
    unsigned cport = 40000;
    uint64_t t8 = 0;
    while (n >= 2) {
        unsigned ctl = p[0], len = p[1];
        p += 2;
        n -= 2;
        len = len < n ? len : (unsigned)n;
        int dir = ctl & 1, syn = (ctl >> 1) & 1, ack = (ctl >> 2) & 1, fin = (ctl >> 3) & 1,
            rst = (ctl >> 4) & 1, how = ctl >> 5;
        if (how == 4) {
            seq[dir] = last[dir];
        } else if (how == 5) {
            seq[dir] += 1000;
        } else if (how == 6) {
            cport++;
            seq[0] = 1000;
            seq[1] = 50000;
        } else if (how == 7) {
            t8 += 8 * 600;
        }
        t8++;
        memset(frame, 0, 14);
        be16(frame + 12, 0x0800);
        uint8_t *ip = frame + 14, *tcp = ip + 20;
        memset(ip, 0, 40);
        ip[0] = 0x45;
        be16(ip + 2, 40 + len);
        ip[8] = 64;
        ip[9] = 6;
        const uint8_t cli[4] = { 10, 0, 0, 1 }, srv[4] = { 10, 0, 0, 2 };
        memcpy(ip + 12, dir ? srv : cli, 4);
        memcpy(ip + 16, dir ? cli : srv, 4);
        be16(tcp, dir ? 443 : cport);
        be16(tcp + 2, dir ? cport : 443);
        be32(tcp + 4, seq[dir]);
        be32(tcp + 8, ack ? seq[!dir] : 0);
        tcp[12] = 5 << 4;
        tcp[13] = (uint8_t)(fin | syn << 1 | rst << 2 | (len > 0) << 3 | ack << 4);
        be16(tcp + 14, 65535);
        memcpy(tcp + 20, p, len);
        put_record(f, t8, frame, 54 + len);
        last[dir] = seq[dir];
        seq[dir] += len + (unsigned)syn + (unsigned)fin;
        p += len;
        n -= len;
    }
}

static int sink(const td_pcap_conn_t *c, void *user)
{
    return td_pcap_conn_write_json(c, (FILE *)user);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* pcap LINKTYPE_ values: Ethernet, raw IP, Linux SLL, SLL2, NULL, LOOP, IPv4, IPv6, then
     * PPP, PPP in HDLC framing, PPPoE payload, Cisco HDLC (the rest Ethernet again: the
     * tunnels inside it). */
    static const uint32_t links[16] = { 1, 101, 113, 276, 0, 108, 228, 229,
                                        9, 50,  51,  104, 1, 1,   1,   1 };
    char path[64];
    if (size < 1) {
        return 0;
    }
    snprintf(path, sizeof(path), "%s/td-fuzz-pkts-%d",
             access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp", (int)getpid());
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        return 0;
    }
    uint8_t mode = data[0];
    put32(f, 0xa1b2c3d4);
    put32(f, 4u << 16 | 2u); /* version 2.4, little-endian halves */
    put32(f, 0);
    put32(f, 0);
    put32(f, 65535);
    put32(f, mode < 128 ? links[mode % 16] : 1);
    if (mode < 128) {
        write_raw(f, data + 1, size - 1);
    } else {
        write_tcp(f, data + 1, size - 1);
    }
    fclose(f);
    FILE *out = fopen("/dev/null", "w");
    const char *files[1] = { path };
    td_pcap_summary_t *s = NULL;
    td_errinfo_t err;
    if (out != NULL && td_pcap_scan(NULL, files, 1, sink, out, &s, &err) == 0) {
        int w = td_pcap_summary_write_json(s, out);
        w |= td_pcap_summary_write_text(s, out, 0);
        (void)w;
        td_pcap_summary_free(s);
    }
    if (out != NULL) {
        fclose(out);
    }
    unlink(path);
    return 0;
}
