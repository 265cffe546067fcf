/* clients.c: the client profiles. Browsers, curl, Java, Android, IE and OpenSSL 1.0.2 are
 * generated from captured ClientHellos (client_profiles.inc names its source); Cloudflare's and
 * AWS ALB's connections to an origin are written here from their vendors' documentation. */
#include "clients.h"

#include "../wire/tls_codec.h"

#include "client_profiles.inc"

/* [CFCIPH] cloudflare-docs src/content/docs/ssl/origin-configuration/cipher-suites.mdx: the
 * suites Cloudflare offers to origins, in ClientHello order; TLS 1.0-1.3. SNI is the request
 * host name unless an Origin Rule overrides it [CFORIG]. Groups are not documented there: the
 * common x25519, P-256, P-384 are assumed. */
static const uint16_t c_cloudflare[] = { 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc013, 0x009c,
                                         0x002f, 0xc02c, 0xc030, 0xc028, 0x0035, 0x000a };
static const uint16_t g_cloudflare[] = { TD_GROUP_X25519, TD_GROUP_SECP256R1, TD_GROUP_SECP384R1 };
static const uint16_t k_cloudflare[] = { TD_GROUP_X25519 };
static const uint16_t v_cloudflare[] = { TD_V_TLS13, TD_V_TLS12, TD_V_TLS11, TD_V_TLS10 };

/* [ALB-TG] AWS ELB user guide, load-balancer-target-groups.md: connections to HTTPS targets use
 * ELBSecurityPolicy-2016-08 (TLS 1.0-1.2; its suites from the ELB security-policy table, in
 * that order). Reported not to send SNI to targets [ISTIO-31421][APISIX-11523]. Curves: P-256
 * and P-384 are assumed. */
static const uint16_t c_aws_alb[] = { 0xc02b, 0xc02f, 0xc023, 0xc027, 0xc009, 0xc013,
                                      0xc02c, 0xc030, 0xc024, 0xc028, 0xc014, 0xc00a,
                                      0x009c, 0x003c, 0x002f, 0x009d, 0x003d, 0x0035 };
static const uint16_t g_aws_alb[] = { TD_GROUP_SECP256R1, TD_GROUP_SECP384R1 };

/* Signature algorithms for the two above (RFC 8446 §4.2.3 code points), the usual set. */
static const uint16_t s_common[] = { 0x0403, 0x0804, 0x0401, 0x0503, 0x0805,
                                     0x0501, 0x0806, 0x0601, 0x0201 };

#define ARRF(field, a) .field = a, .n_##field = TD_ARRAY_LEN(a)

static const td_client_profile_t profiles[] = {
    { .id = "cloudflare",
      .name = "Cloudflare (to origin)",
      .source = "Cloudflare docs: origin cipher suites [CFCIPH]",
      .min_version = TD_V_TLS10,
      .max_version = TD_V_TLS13,
      .sends_sni = 1,
      .record_version = TD_V_TLS10,
      .legacy_version = TD_V_TLS12,
      ARRF(ciphers, c_cloudflare),
      ARRF(groups, g_cloudflare),
      ARRF(shares, k_cloudflare),
      ARRF(sigalgs, s_common),
      ARRF(versions, v_cloudflare),
      .ec_point_formats = 1,
      .renegotiation_info = 1,
      .current = 1,
      .proxy = 1,
      .default_run = 1 },
    { .id = "aws_alb",
      .name = "AWS ALB (to HTTPS targets)",
      .source = "AWS ELB docs: targets use ELBSecurityPolicy-2016-08 [ALB-TG]; no SNI per reports",
      .min_version = TD_V_TLS10,
      .max_version = TD_V_TLS12,
      .sends_sni = 0,
      .record_version = TD_V_TLS10,
      .legacy_version = TD_V_TLS12,
      ARRF(ciphers, c_aws_alb),
      ARRF(groups, g_aws_alb),
      ARRF(sigalgs, s_common),
      .ec_point_formats = 1,
      .renegotiation_info = 1,
      .current = 1,
      .proxy = 1,
      .default_run = 1 },
#define TD_PROFILE_ROWS
#include "client_profiles.inc"
#undef TD_PROFILE_ROWS
};

const td_client_profile_t *td_kb_clients(size_t *n)
{
    *n = TD_ARRAY_LEN(profiles);
    return profiles;
}
