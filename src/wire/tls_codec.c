/* tls_codec.c: ClientHello writer and server-first-flight reader.
 * Structures are quoted from RFC 8446 / RFC 5246 before the code that reads them; every length
 * is checked by td_reader. Must never trust a length from the wire. */
#include "tls_codec.h"

#include <string.h>

/* RFC 8446 §4.1.3: the HelloRetryRequest random is SHA-256("HelloRetryRequest"). */
static const uint8_t hrr_random[32] = { 0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11,
                                        0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
                                        0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E,
                                        0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C };

/* Valid public keys for P-256 / P-384 key shares: the curves' base points (SEC 2 §2.4.2/2.5.1),
 * uncompressed. The server's shared secret is then its own public key: useless for keys but a
 * valid point, which is all that is needed to see the server's choice. */
static const uint8_t p256_g[65] = { 0x04, 0x6B, 0x17, 0xD1, 0xF2, 0xE1, 0x2C, 0x42, 0x47, 0xF8,
                                    0xBC, 0xE6, 0xE5, 0x63, 0xA4, 0x40, 0xF2, 0x77, 0x03, 0x7D,
                                    0x81, 0x2D, 0xEB, 0x33, 0xA0, 0xF4, 0xA1, 0x39, 0x45, 0xD8,
                                    0x98, 0xC2, 0x96, 0x4F, 0xE3, 0x42, 0xE2, 0xFE, 0x1A, 0x7F,
                                    0x9B, 0x8E, 0xE7, 0xEB, 0x4A, 0x7C, 0x0F, 0x9E, 0x16, 0x2B,
                                    0xCE, 0x33, 0x57, 0x6B, 0x31, 0x5E, 0xCE, 0xCB, 0xB6, 0x40,
                                    0x68, 0x37, 0xBF, 0x51, 0xF5 };
static const uint8_t p384_g[97] = {
    0x04, 0xAA, 0x87, 0xCA, 0x22, 0xBE, 0x8B, 0x05, 0x37, 0x8E, 0xB1, 0xC7, 0x1E, 0xF3,
    0x20, 0xAD, 0x74, 0x6E, 0x1D, 0x3B, 0x62, 0x8B, 0xA7, 0x9B, 0x98, 0x59, 0xF7, 0x41,
    0xE0, 0x82, 0x54, 0x2A, 0x38, 0x55, 0x02, 0xF2, 0x5D, 0xBF, 0x55, 0x29, 0x6C, 0x3A,
    0x54, 0x5E, 0x38, 0x72, 0x76, 0x0A, 0xB7, 0x36, 0x17, 0xDE, 0x4A, 0x96, 0x26, 0x2C,
    0x6F, 0x5D, 0x9E, 0x98, 0xBF, 0x92, 0x92, 0xDC, 0x29, 0xF8, 0xF4, 0x1D, 0xBD, 0x28,
    0x9A, 0x14, 0x7C, 0xE9, 0xDA, 0x31, 0x13, 0xB5, 0xF0, 0xB8, 0xC0, 0x0A, 0x60, 0xB1,
    0xCE, 0x1D, 0x7E, 0x81, 0x9D, 0x7A, 0x43, 0x1D, 0x7C, 0x90, 0xEA, 0x0E, 0x5F
};

/* RFC 8446 §4.2.8: KeyShareClientHello { KeyShareEntry client_shares<0..2^16-1>; } */
static int write_key_share(td_writer_t *w, const td_hello_params_t *p)
{
    size_t rnd_at = 0;
    TD_TRY(td_writer_u16(w, TD_EXT_KEY_SHARE));
    TD_TRY(td_writer_open(w, 2));
    TD_TRY(td_writer_open(w, 2)); /* client_shares<0..2^16-1> */
    for (size_t i = 0; i < p->n_share_groups; i++) {
        uint16_t g = p->share_groups[i];
        TD_TRY(td_writer_u16(w, g));
        TD_TRY(td_writer_open(w, 2));
        if (g == TD_GROUP_X25519) {
            TD_ENSURE(p->share_random != NULL && p->share_random_len >= rnd_at + 32, TD_E_USAGE);
            TD_TRY(td_writer_bytes(w, p->share_random + rnd_at, 32));
            rnd_at += 32;
        } else if (g == TD_GROUP_SECP256R1) {
            TD_TRY(td_writer_bytes(w, p256_g, sizeof(p256_g)));
        } else if (g == TD_GROUP_SECP384R1) {
            TD_TRY(td_writer_bytes(w, p384_g, sizeof(p384_g)));
        } else if (g == TD_GROUP_X25519MLKEM768) {
            /* draft-ietf-tls-ecdhe-mlkem §3: the ML-KEM-768 encapsulation key (1184 bytes)
             * then the X25519 share (32). An all-zero key is a valid encoding (FIPS 203 §7.2
             * modulus check: every coefficient 0 < q), so a server that supports the group
             * can answer; its shared secret protects nothing, which a probe does not need. */
            TD_ENSURE(p->share_random != NULL && p->share_random_len >= 32, TD_E_USAGE);
            for (size_t k = 0; k < 1184; k++) {
                TD_TRY(td_writer_u8(w, 0));
            }
            TD_TRY(td_writer_bytes(w, p->share_random, 32));
        } else {
            return TD_E_USAGE;
        }
        TD_TRY(td_writer_close(w));
    }
    TD_TRY(td_writer_close(w));
    return td_writer_close(w);
}

/* RFC 8701 §2: GREASE values are 0x?A?A with both bytes equal. We use a fixed one per list so
 * that a hello is reproducible. */
#define GREASE_CIPHER  0x0a0a
#define GREASE_EXT     0x1a1a
#define GREASE_GROUP   0x2a2a
#define GREASE_VERSION 0x3a3a

static int write_u16_list_ext(td_writer_t *w, uint16_t type, int inner_width, const uint16_t *v,
                              size_t n, uint16_t grease)
{
    TD_TRY(td_writer_u16(w, type));
    TD_TRY(td_writer_open(w, 2));
    TD_TRY(td_writer_open(w, inner_width));
    if (grease != 0) {
        TD_TRY(td_writer_u16(w, grease));
    }
    for (size_t i = 0; i < n; i++) {
        TD_TRY(td_writer_u16(w, v[i]));
    }
    TD_TRY(td_writer_close(w));
    return td_writer_close(w);
}

/*
 * RFC 8446 §4.1.2:
 *   struct {
 *       ProtocolVersion legacy_version = 0x0303;
 *       Random random;
 *       opaque legacy_session_id<0..32>;
 *       CipherSuite cipher_suites<2..2^16-2>;
 *       opaque legacy_compression_methods<1..2^8-1>;
 *       Extension extensions<8..2^16-1>;
 *   } ClientHello;
 */
int td_client_hello_build(const td_hello_params_t *p, uint8_t *buf, size_t cap, size_t *out_len)
{
    td_writer_t w;
    TD_ENSURE(p->random != NULL && p->n_ciphers > 0 && p->n_ciphers < 32768, TD_E_USAGE);
    TD_ENSURE(p->session_id_len <= 32, TD_E_USAGE);
    td_writer_init(&w, buf, cap);

    TD_TRY(td_writer_u8(&w, TD_CT_HANDSHAKE));
    TD_TRY(td_writer_u16(&w, p->record_version != 0 ? p->record_version : TD_V_TLS10));
    TD_TRY(td_writer_open(&w, 2)); /* record */
    size_t hs_start = w.len;
    TD_TRY(td_writer_u8(&w, TD_HS_CLIENT_HELLO));
    TD_TRY(td_writer_open(&w, 3)); /* handshake body */
    TD_TRY(td_writer_u16(&w, p->legacy_version != 0 ? p->legacy_version : TD_V_TLS12));
    TD_TRY(td_writer_bytes(&w, p->random, 32));
    TD_TRY(td_writer_open(&w, 1));
    TD_TRY(td_writer_bytes(&w, p->session_id, p->session_id_len));
    TD_TRY(td_writer_close(&w));
    TD_TRY(td_writer_open(&w, 2));
    if (p->grease) {
        TD_TRY(td_writer_u16(&w, GREASE_CIPHER));
    }
    for (size_t i = 0; i < p->n_ciphers; i++) {
        TD_TRY(td_writer_u16(&w, p->ciphers[i]));
    }
    TD_TRY(td_writer_close(&w));
    TD_TRY(td_writer_u8(&w, 1)); /* one compression method: null */
    TD_TRY(td_writer_u8(&w, 0));

    TD_TRY(td_writer_open(&w, 2)); /* extensions */
    if (p->grease) {
        TD_TRY(td_writer_u16(&w, GREASE_EXT)); /* RFC 8701 §3.1: an empty GREASE extension */
        TD_TRY(td_writer_u16(&w, 0));
    }
    if (p->sni != NULL && p->sni[0] != '\0') {
        /* RFC 6066 §3: ServerNameList with one host_name entry. */
        size_t n = strlen(p->sni);
        TD_ENSURE(n <= 255, TD_E_USAGE);
        TD_TRY(td_writer_u16(&w, TD_EXT_SERVER_NAME));
        TD_TRY(td_writer_open(&w, 2));
        TD_TRY(td_writer_open(&w, 2));
        TD_TRY(td_writer_u8(&w, 0));
        TD_TRY(td_writer_open(&w, 2));
        TD_TRY(td_writer_bytes(&w, p->sni, n));
        TD_TRY(td_writer_close(&w));
        TD_TRY(td_writer_close(&w));
        TD_TRY(td_writer_close(&w));
    }
    if (p->ec_point_formats) {
        /* RFC 8422 §5.1.2: ec_point_formats with "uncompressed". */
        static const uint8_t epf[] = { 0x00, 0x0b, 0x00, 0x02, 0x01, 0x00 };
        TD_TRY(td_writer_bytes(&w, epf, sizeof(epf)));
    }
    if (p->n_groups > 0) {
        TD_TRY(write_u16_list_ext(&w, TD_EXT_SUPPORTED_GROUPS, 2, p->groups, p->n_groups,
                                  p->grease ? GREASE_GROUP : 0));
    }
    if (p->n_sigalgs > 0) {
        TD_TRY(write_u16_list_ext(&w, TD_EXT_SIGNATURE_ALGORITHMS, 2, p->sigalgs, p->n_sigalgs, 0));
    }
    if (p->n_alpn > 0) {
        /* RFC 7301 §3.1: ProtocolNameList. */
        TD_TRY(td_writer_u16(&w, TD_EXT_ALPN));
        TD_TRY(td_writer_open(&w, 2));
        TD_TRY(td_writer_open(&w, 2));
        for (size_t i = 0; i < p->n_alpn; i++) {
            size_t n = strlen(p->alpn[i]);
            TD_ENSURE(n >= 1 && n <= 255, TD_E_USAGE);
            TD_TRY(td_writer_open(&w, 1));
            TD_TRY(td_writer_bytes(&w, p->alpn[i], n));
            TD_TRY(td_writer_close(&w));
        }
        TD_TRY(td_writer_close(&w));
        TD_TRY(td_writer_close(&w));
    }
    if (p->n_versions > 0) {
        TD_TRY(write_u16_list_ext(&w, TD_EXT_SUPPORTED_VERSIONS, 1, p->versions, p->n_versions,
                                  p->grease ? GREASE_VERSION : 0));
    }
    if (p->n_share_groups > 0 || p->empty_key_share) {
        TD_TRY(write_key_share(&w, p));
    }
    if (p->renegotiation_info) {
        /* RFC 5746 §3.2: empty renegotiated_connection. */
        static const uint8_t ri[] = { 0xff, 0x01, 0x00, 0x01, 0x00 };
        TD_TRY(td_writer_bytes(&w, ri, sizeof(ri)));
    }
    if (p->pad_to > 0) {
        /* RFC 7685: padding extension; 4 bytes of header. */
        size_t cur = w.len - hs_start + 4;
        if (cur < p->pad_to) {
            size_t pad = p->pad_to - cur;
            TD_TRY(td_writer_u16(&w, TD_EXT_PADDING));
            TD_TRY(td_writer_open(&w, 2));
            for (size_t i = 0; i < pad; i++) {
                TD_TRY(td_writer_u8(&w, 0));
            }
            TD_TRY(td_writer_close(&w));
        }
    }
    TD_TRY(td_writer_close(&w)); /* extensions */
    TD_TRY(td_writer_close(&w)); /* handshake */
    TD_TRY(td_writer_close(&w)); /* record: RFC 8446 §5.1 limits it to 2^14 */
    TD_ENSURE(w.len - 5 <= 16384, TD_E_LIMIT);
    *out_len = w.len;
    return 0;
}

/* A broad offer: TLS 1.3 suites, ECDHE AEAD/CBC, RSA kx, 3DES, so that old and new servers
 * both answer with a ServerHello. Order modelled on common OpenSSL client defaults. */
static const uint16_t default_ciphers[] = { 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c,
                                            0xc030, 0xcca9, 0xcca8, 0xc009, 0xc013, 0xc00a,
                                            0xc014, 0x009c, 0x009d, 0x002f, 0x0035, 0x009e,
                                            0x009f, 0x0033, 0x0039, 0x000a, 0x00ff };
static const uint16_t default_groups[] = { TD_GROUP_X25519, TD_GROUP_SECP256R1, TD_GROUP_SECP384R1,
                                           25 };
static const uint16_t default_shares[] = { TD_GROUP_X25519 };
static const uint16_t default_sigalgs[] = { 0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501,
                                            0x0806, 0x0601, 0x0807, 0x0201, 0x0203 };
static const uint16_t versions_13[] = { TD_V_TLS13, TD_V_TLS12, TD_V_TLS11, TD_V_TLS10 };

void td_hello_params_default(td_hello_params_t *p, const char *sni, uint16_t max_version,
                             const uint8_t *random32, const uint8_t *share32)
{
    memset(p, 0, sizeof(*p));
    p->record_version = TD_V_TLS10;
    p->legacy_version = max_version >= TD_V_TLS12 ? TD_V_TLS12 : max_version;
    p->random = random32;
    p->session_id = random32; /* middlebox compatibility mode, RFC 8446 §D.4 */
    p->session_id_len = 32;
    p->ciphers = default_ciphers;
    p->n_ciphers = TD_ARRAY_LEN(default_ciphers);
    p->groups = default_groups;
    p->n_groups = TD_ARRAY_LEN(default_groups);
    p->sigalgs = default_sigalgs;
    p->n_sigalgs = TD_ARRAY_LEN(default_sigalgs);
    p->sni = sni;
    p->ec_point_formats = 1;
    p->renegotiation_info = 1;
    if (max_version >= TD_V_TLS13) {
        p->versions = versions_13;
        p->n_versions = TD_ARRAY_LEN(versions_13);
        p->share_groups = default_shares;
        p->n_share_groups = TD_ARRAY_LEN(default_shares);
        p->share_random = share32;
        p->share_random_len = 32;
    } else if (max_version == TD_V_TLS12) {
        /* Without supported_versions a TLS 1.3 server must negotiate <= 1.2 (RFC 8446 §4.2.1). */
        p->n_versions = 0;
    }
}

static void flight_error(td_server_flight_t *f, const td_reader_t *r, const char *field)
{
    if (!f->decode_error) {
        f->decode_error = 1;
        f->error_offset = td_reader_pos(r);
        f->error_field = field;
    }
}

/*
 * RFC 8446 §4.1.3:
 *   struct {
 *       ProtocolVersion legacy_version = 0x0303;
 *       Random random;
 *       opaque legacy_session_id_echo<0..32>;
 *       CipherSuite cipher_suite;
 *       uint8 legacy_compression_method = 0;
 *       Extension extensions<6..2^16-1>;   (optional before TLS 1.3, RFC 5246 §7.4.1.3)
 *   } ServerHello;
 */
static void parse_server_hello(td_reader_t *r, td_server_flight_t *f)
{
    td_bytes_t random;
    td_reader_t sid, exts;
    uint8_t comp = 0;
    /* A ServerHello after a HelloRetryRequest (RFC 8446 §4.1.4) replaces what the HRR said. */
    if (f->has_server_hello) {
        f->hrr_seen |= f->is_hrr;
        f->n_exts = 0;
        f->group = 0;
        f->alpn[0] = '\0';
        f->alpn_raw_len = 0;
    }
    if (td_reader_u16(r, &f->legacy_version) < 0 || td_reader_bytes(r, 32, &random) < 0) {
        flight_error(f, r, "ServerHello.random");
        return;
    }
    /* TLS 1.3 drafts before -22 put their version (0x7fNN, or 0x0304 in early ones) in
     * ServerHello.version and had neither session id nor compression method
     * (draft-ietf-tls-tls13-21 §4.1.3); from -22 on it is 0x0303 plus supported_versions. */
    bool early_draft = f->legacy_version == TD_V_TLS13 ||
                       ((f->legacy_version >> 8) == 0x7f && (f->legacy_version & 0xff) < 22);
    if (early_draft) {
        if (td_reader_u16(r, &f->cipher) < 0) {
            flight_error(f, r, "ServerHello.cipher_suite");
            return;
        }
    } else {
        if (td_reader_vec(r, 1, 0, 32, &sid) < 0) {
            flight_error(f, r, "ServerHello.session_id");
            return;
        }
        if (td_reader_u16(r, &f->cipher) < 0 || td_reader_u8(r, &comp) < 0) {
            flight_error(f, r, "ServerHello.cipher_suite");
            return;
        }
    }
    f->has_server_hello = 1;
    f->version = f->legacy_version;
    f->is_hrr = memcmp(random.p, hrr_random, 32) == 0;
    /* RFC 8446 §4.1.3 downgrade protection sentinel in the last 8 bytes. */
    static const uint8_t dg[7] = { 'D', 'O', 'W', 'N', 'G', 'R', 'D' };
    if (memcmp(random.p + 24, dg, 7) == 0 && (random.p[31] == 1 || random.p[31] == 0)) {
        f->downgrade_sentinel = random.p[31] == 1 ? 1 : 2;
    }
    if (td_reader_left(r) == 0) {
        return; /* no extensions: allowed before TLS 1.3 */
    }
    if (td_reader_vec(r, 2, 0, 0xffff, &exts) < 0) {
        flight_error(f, r, "ServerHello.extensions");
        return;
    }
    uint32_t seen[2] = { 0, 0 }; /* duplicate check for types < 64 */
    while (td_reader_left(&exts) > 0) {
        uint16_t type = 0;
        td_reader_t body;
        if (td_reader_u16(&exts, &type) < 0 || td_reader_vec(&exts, 2, 0, 0xffff, &body) < 0) {
            flight_error(f, &exts, "ServerHello.extension");
            return;
        }
        /* RFC 8446 §4.2, RFC 5246 §7.4.1.4: one extension of each type. Types >= 64
         * (renegotiation_info 0xff01) are checked against the ones kept in f->exts. */
        bool dup = td_u16_in(f->exts, (size_t)f->n_exts, type);
        if (type < 64) {
            uint32_t bit = 1u << (type % 32);
            dup = dup || (seen[type / 32] & bit) != 0;
            seen[type / 32] |= bit;
        }
        if (dup) {
            flight_error(f, &exts, "ServerHello.duplicate_extension");
            return;
        }
        if (f->n_exts < (int)TD_ARRAY_LEN(f->exts)) {
            f->exts[f->n_exts++] = type;
        }
        if (type == TD_EXT_SUPPORTED_VERSIONS) {
            uint16_t v = 0;
            if (td_reader_u16(&body, &v) < 0 || td_reader_done(&body) < 0) {
                flight_error(f, &body, "supported_versions");
                return;
            }
            f->version = v;
        } else if (type == TD_EXT_KEY_SHARE || type == 40) { /* 40: key_share until draft-22 */
            /* ServerHello: KeyShareEntry; HRR: NamedGroup only (RFC 8446 §4.2.8). */
            if (td_reader_u16(&body, &f->group) < 0) {
                flight_error(f, &body, "key_share");
                return;
            }
        } else if (type == TD_EXT_ALPN) {
            td_reader_t list, name;
            if (td_reader_vec(&body, 2, 2, 0xffff, &list) < 0 ||
                td_reader_vec(&list, 1, 1, 255, &name) < 0) {
                flight_error(f, &body, "alpn");
                return;
            }
            td_escape(f->alpn, sizeof(f->alpn), name.base, name.len);
            f->alpn_raw_len = name.len < sizeof(f->alpn_raw) ? name.len : sizeof(f->alpn_raw);
            memcpy(f->alpn_raw, name.base, f->alpn_raw_len);
        }
    }
}

/* RFC 5246 §7.4.2: Certificate { ASN.1Cert certificate_list<0..2^24-1>; } */
static void parse_certificate(td_reader_t *r, td_server_flight_t *f)
{
    td_reader_t list, one;
    f->has_certificate = 1;
    f->cert_bytes = (uint32_t)td_reader_left(r);
    if (td_reader_vec(r, 3, 0, 0xffffff, &list) < 0) {
        flight_error(f, r, "Certificate.certificate_list");
        return;
    }
    while (td_reader_left(&list) > 0) {
        if (td_reader_vec(&list, 3, 1, 0xffffff, &one) < 0) {
            flight_error(f, &list, "Certificate.cert");
            return;
        }
        if (f->n_certs < (int)TD_ARRAY_LEN(f->certs) &&
            td_reader_bytes(&one, td_reader_left(&one), &f->certs[f->n_certs]) == 0) {
            f->n_certs++;
        }
        f->cert_count++;
    }
}

/*
 * ServerKeyExchange, read only as far as the parameters that tell the group:
 *   RFC 8422 §5.4: ServerECDHParams { ECParameters { ECCurveType curve_type; (3 = named_curve)
 *                  NamedCurve namedcurve; } curve_params; ECPoint public; }
 *   RFC 5246 §7.4.3: ServerDHParams { opaque dh_p<1..2^16-1>; opaque dh_g<1..2^16-1>;
 *                  opaque dh_Ys<1..2^16-1>; }
 * Which of the two it is follows from the chosen suite.
 */
static void parse_server_key_exchange(td_reader_t *r, td_server_flight_t *f)
{
    const td_cipher_info_t *cs = td_cipher_info(f->cipher);
    f->has_ske = 1;
    if (cs == NULL) {
        return;
    }
    /* (EC)DHE_PSK: the psk_identity_hint<0..2^16-1> comes first (RFC 4279 §3, RFC 5489 §2). */
    if (strstr(cs->iana, "HE_PSK_") != NULL) {
        td_reader_t hint;
        if (td_reader_vec(r, 2, 0, 0xffff, &hint) < 0) {
            flight_error(f, r, "ServerKeyExchange.psk_identity_hint");
            return;
        }
    }
    if (cs->flags & TD_CS_ECDHE) {
        uint8_t curve_type = 0;
        if (td_reader_u8(r, &curve_type) < 0) {
            flight_error(f, r, "ServerKeyExchange.curve_type");
            return;
        }
        if (curve_type == 3 && td_reader_u16(r, &f->ske_group) < 0) {
            flight_error(f, r, "ServerKeyExchange.namedcurve");
        }
    } else if (cs->flags & TD_CS_DHE) {
        td_reader_t prime;
        if (td_reader_vec(r, 2, 1, 0xffff, &prime) < 0) {
            flight_error(f, r, "ServerKeyExchange.dh_p");
            return;
        }
        size_t i = 0;
        while (i < prime.len && prime.base[i] == 0) {
            i++; /* leading zero bytes do not count */
        }
        f->dh_bits = (int)((prime.len - i) * 8);
    }
}

static void parse_handshake_messages(td_reader_t *hs, td_server_flight_t *f)
{
    while (td_reader_left(hs) > 0) {
        uint8_t type = 0;
        td_reader_t body;
        size_t save = hs->off;
        if (td_reader_u8(hs, &type) < 0 || td_reader_vec(hs, 3, 0, 0xffffff, &body) < 0) {
            hs->off = save;
            f->need_more = 1;
            return;
        }
        switch (type) {
        case TD_HS_SERVER_HELLO:
            parse_server_hello(&body, f);
            break;
        case TD_HS_CERTIFICATE:
            if (!td_version_is_tls13(f->version)) {
                parse_certificate(&body, f);
            }
            break;
        case TD_HS_SERVER_KEY_EXCHANGE:
            parse_server_key_exchange(&body, f);
            break;
        case TD_HS_CERTIFICATE_REQUEST:
            f->has_cert_request = 1;
            break;
        case TD_HS_SERVER_HELLO_DONE:
            f->has_done = 1;
            break;
        default:
            break;
        }
        if (f->decode_error) {
            return;
        }
    }
}

/*
 * RFC 8446 §5.1:
 *   struct { ContentType type; ProtocolVersion legacy_record_version; uint16 length;
 *            opaque fragment[TLSPlaintext.length]; } TLSPlaintext;
 */
td_rec_t td_tls_record_next(td_reader_t *r, size_t max_len, uint8_t *type, uint16_t *ver,
                            td_reader_t *frag)
{
    size_t save = r->off;
    uint16_t rlen = 0;
    if (td_reader_u8(r, type) < 0 || td_reader_u16(r, ver) < 0) {
        r->off = save;
        return TD_REC_SHORT;
    }
    /* 24: heartbeat (RFC 6520), a known record type that carries no handshake. */
    if (*type < TD_CT_CHANGE_CIPHER_SPEC || *type > 24 || (*ver >> 8) != 3) {
        return TD_REC_BAD_HEADER;
    }
    size_t at_len = r->off;
    if (td_reader_u16(r, &rlen) < 0) {
        r->off = save;
        return TD_REC_SHORT;
    }
    r->off = at_len;
    if (rlen > max_len) {
        return TD_REC_BAD_LENGTH;
    }
    if (td_reader_vec(r, 2, 0, max_len, frag) < 0) {
        r->off = save;
        return TD_REC_SHORT;
    }
    return TD_REC_OK;
}

void td_server_flight_parse(const uint8_t *buf, size_t len, uint8_t *scratch, size_t scratch_cap,
                            td_server_flight_t *f)
{
    td_reader_t r;
    size_t hs_len = 0, hs_done = 0;
    memset(f, 0, sizeof(*f));
    td_reader_init(&r, buf, len);
    if (len == 0) {
        return;
    }
    /* SSLv2 SERVER-HELLO: 2-byte header with the high bit set, then msg type 4. */
    if ((buf[0] & 0x80) != 0 && len >= 3 && buf[2] == 0x04) {
        f->sslv2 = 1;
        return;
    }
    if (buf[0] < TD_CT_CHANGE_CIPHER_SPEC || buf[0] > 24 || (len >= 2 && buf[1] != 0x03)) {
        f->non_tls = 1;
        return;
    }
    while (td_reader_left(&r) > 0) {
        uint8_t type = 0;
        uint16_t ver = 0;
        td_reader_t frag;
        /* length must not exceed 2^14 (+256 for ciphertext before TLS 1.3, RFC 5246 §6.2.3) */
        td_rec_t rec = td_tls_record_next(&r, 16384 + 256, &type, &ver, &frag);
        if (rec == TD_REC_SHORT) {
            f->need_more = 1;
            break;
        }
        if (rec != TD_REC_OK) {
            flight_error(f, &r, rec == TD_REC_BAD_HEADER ? "record.header" : "record.length");
            break;
        }
        if (f->records == 0) {
            f->record_version = ver;
        }
        f->records++;
        /* RFC 5246 §6.2.1, RFC 8446 §5.1: no zero-length Handshake or ChangeCipherSpec
         * fragments (a peer sending them endlessly never moves the handshake on). */
        if (frag.len == 0 && (type == TD_CT_HANDSHAKE || type == TD_CT_CHANGE_CIPHER_SPEC)) {
            flight_error(f, &r, "record.empty");
            break;
        }
        /* After the ChangeCipherSpec of TLS <= 1.2 records are encrypted (RFC 5246 §7.1);
         * a TLS 1.3 server's CCS right after a HelloRetryRequest is only the middlebox
         * compatibility one (RFC 8446 §D.4): the real ServerHello follows in plaintext. */
        bool enc = f->ccs && !(f->has_server_hello && f->is_hrr);
        if (type == TD_CT_ALERT && enc) {
            f->enc_alerts++;
        } else if (type == TD_CT_ALERT) {
            uint8_t lvl = 0, desc = 0;
            if (td_reader_u8(&frag, &lvl) < 0 || td_reader_u8(&frag, &desc) < 0) {
                flight_error(f, &frag, "alert");
                break;
            }
            /* The first alert; a fatal one replaces a first warning (RFC 5246 §7.2). */
            if (!f->has_alert || (f->alert_level == 1 && lvl == 2)) {
                f->has_alert = 1;
                f->alert_level = lvl;
                f->alert_desc = desc;
            }
        } else if (type == TD_CT_CHANGE_CIPHER_SPEC) {
            /* TLS <= 1.2: what follows is encrypted (RFC 5246 §7.1); TLS 1.3 sends it only
             * for middlebox compatibility (RFC 8446 §D.4) and then encrypts anyway. */
            f->ccs = 1;
        } else if (type == TD_CT_HANDSHAKE && enc) {
            f->encrypted = 1; /* the encrypted Finished */
        } else if (type == TD_CT_HANDSHAKE) {
            if (td_reader_left(&frag) > scratch_cap - hs_len) {
                flight_error(f, &frag, "handshake.too_large");
                break;
            }
            memcpy(scratch + hs_len, frag.base, frag.len);
            hs_len += frag.len;
            /* Messages are read as soon as they are complete, so that the ServerHello (and
             * whether it was a HelloRetryRequest) is known before the next record, and a
             * later record that cannot be read does not take it away. */
            td_reader_t hs;
            td_reader_init(&hs, scratch + hs_done, hs_len - hs_done);
            f->need_more = 0;
            parse_handshake_messages(&hs, f);
            hs_done += hs.off;
            if (f->decode_error) {
                break;
            }
        } else if (type == TD_CT_APPLICATION_DATA) {
            f->encrypted = 1;
        }
    }
}

uint16_t td_version_by_ossl_name(const char *name)
{
    return strcmp(name, "TLSv1.3") == 0   ? TD_V_TLS13
           : strcmp(name, "TLSv1.2") == 0 ? TD_V_TLS12
           : strcmp(name, "TLSv1.1") == 0 ? TD_V_TLS11
           : strcmp(name, "TLSv1") == 0   ? TD_V_TLS10
           : strcmp(name, "SSLv3") == 0   ? TD_V_SSL3
                                          : 0;
}

bool td_version_is_tls13(uint16_t v)
{
    return v == TD_V_TLS13 || (v >> 8) == 0x7f || (v >> 8) == 0xfb;
}

const char *td_version_name(uint16_t v)
{
    switch (v) {
    case 0x0002:
        return "SSLv2";
    case TD_V_SSL3:
        return "SSLv3";
    case TD_V_TLS10:
        return "TLSv1";
    case TD_V_TLS11:
        return "TLSv1.1";
    case TD_V_TLS12:
        return "TLSv1.2";
    case TD_V_TLS13:
        return "TLSv1.3";
    default:
        break;
    }
    /* Pre-standard TLS 1.3: 0x7fNN is draft-ietf-tls-tls13-NN; 0xfbNN is Facebook's Fizz
     * build of draft NN. */
    static const char *const drafts[] = {
        "TLSv1.3-draft-00", "TLSv1.3-draft-01", "TLSv1.3-draft-02", "TLSv1.3-draft-03",
        "TLSv1.3-draft-04", "TLSv1.3-draft-05", "TLSv1.3-draft-06", "TLSv1.3-draft-07",
        "TLSv1.3-draft-08", "TLSv1.3-draft-09", "TLSv1.3-draft-10", "TLSv1.3-draft-11",
        "TLSv1.3-draft-12", "TLSv1.3-draft-13", "TLSv1.3-draft-14", "TLSv1.3-draft-15",
        "TLSv1.3-draft-16", "TLSv1.3-draft-17", "TLSv1.3-draft-18", "TLSv1.3-draft-19",
        "TLSv1.3-draft-20", "TLSv1.3-draft-21", "TLSv1.3-draft-22", "TLSv1.3-draft-23",
        "TLSv1.3-draft-24", "TLSv1.3-draft-25", "TLSv1.3-draft-26", "TLSv1.3-draft-27",
        "TLSv1.3-draft-28"
    };
    static const char *const fizz[] = { "TLSv1.3-fizz-0",  "TLSv1.3-fizz-1",  "TLSv1.3-fizz-2",
                                        "TLSv1.3-fizz-3",  "TLSv1.3-fizz-4",  "TLSv1.3-fizz-5",
                                        "TLSv1.3-fizz-6",  "TLSv1.3-fizz-7",  "TLSv1.3-fizz-8",
                                        "TLSv1.3-fizz-9",  "TLSv1.3-fizz-10", "TLSv1.3-fizz-11",
                                        "TLSv1.3-fizz-12", "TLSv1.3-fizz-13", "TLSv1.3-fizz-14",
                                        "TLSv1.3-fizz-15", "TLSv1.3-fizz-16", "TLSv1.3-fizz-17",
                                        "TLSv1.3-fizz-18", "TLSv1.3-fizz-19", "TLSv1.3-fizz-20",
                                        "TLSv1.3-fizz-21", "TLSv1.3-fizz-22", "TLSv1.3-fizz-23",
                                        "TLSv1.3-fizz-24", "TLSv1.3-fizz-25", "TLSv1.3-fizz-26",
                                        "TLSv1.3-fizz-27", "TLSv1.3-fizz-28" };
    if ((v >> 8) == 0x7f && (v & 0xff) < TD_ARRAY_LEN(drafts)) {
        return drafts[v & 0xff];
    }
    if ((v >> 8) == 0xfb && (v & 0xff) < TD_ARRAY_LEN(fizz)) {
        return fizz[v & 0xff];
    }
    switch (v) {
    default:
        return "unknown";
    }
}

struct code_name {
    uint16_t code;
    const char *name;
};

static const td_cipher_info_t cipher_table[] = {
#include "cipher_table.inc"
};

const td_cipher_info_t *td_cipher_table(size_t *n)
{
    *n = TD_ARRAY_LEN(cipher_table);
    return cipher_table;
}

const td_cipher_info_t *td_cipher_info(uint16_t code)
{
    size_t lo = 0, hi = TD_ARRAY_LEN(cipher_table);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cipher_table[mid].code == code) {
            return &cipher_table[mid];
        }
        if (cipher_table[mid].code < code) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return NULL;
}

bool td_cipher_is_modern(uint16_t code)
{
    const td_cipher_info_t *c = td_cipher_info(code);
    if (c == NULL || (c->flags & (TD_CS_NOCERT | TD_CS_ANON | TD_CS_DRAFT))) {
        return false;
    }
    if (c->flags & TD_CS_TLS13) {
        return true;
    }
    return (c->flags & TD_CS_AEAD) && (c->flags & (TD_CS_ECDHE | TD_CS_DHE));
}

bool td_cipher_is_weak(uint16_t code)
{
    const td_cipher_info_t *c = td_cipher_info(code);
    return c != NULL &&
           (c->flags & (TD_CS_NULL | TD_CS_ANON | TD_CS_EXPORT | TD_CS_RC4 | TD_CS_DES)) != 0;
}

/* IANA TLS Supported Groups registry. */
static const struct code_name group_names[] = {
    { TD_GROUP_SECP256R1, "secp256r1" },
    { TD_GROUP_SECP384R1, "secp384r1" },
    { 25, "secp521r1" },
    { TD_GROUP_X25519, "x25519" },
    { 30, "x448" },
    { 26, "brainpoolP256r1" },
    { 27, "brainpoolP384r1" },
    { 28, "brainpoolP512r1" },
    { 256, "ffdhe2048" },
    { 257, "ffdhe3072" },
    { 258, "ffdhe4096" },
    { 259, "ffdhe6144" },
    { 260, "ffdhe8192" },
    { 0x11eb, "SecP256r1MLKEM768" },
    { TD_GROUP_X25519MLKEM768, "X25519MLKEM768" },
    { 0x11ed, "SecP384r1MLKEM1024" },
    { 0x6399, "X25519Kyber768Draft00" },
};

static const char *lookup(const struct code_name *t, size_t n, uint16_t code)
{
    for (size_t i = 0; i < n; i++) {
        if (t[i].code == code) {
            return t[i].name;
        }
    }
    return "unknown";
}

const char *td_cipher_name(uint16_t c)
{
    const td_cipher_info_t *ci = td_cipher_info(c);
    return ci != NULL ? ci->iana : "unknown";
}

const char *td_group_name(uint16_t g)
{
    return lookup(group_names, TD_ARRAY_LEN(group_names), g);
}
