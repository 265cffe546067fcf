/* Unit tests for src/passive/capfile.c: a capture truncated while it is mapped and read (a file
 * rewritten in place) ends with a read error that says so, not a SIGBUS; what was read stays. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

/* cmocka.h needs the three headers above first. */
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"
#include "passive/capfile.h"
#include "tlsdoctor.h"

#define PACKETS 4000
#define PKT_LEN 1000

static void put32(FILE *f, uint32_t v)
{
    fwrite(&v, 4, 1, f); /* host order: the reader takes either (magic) */
}

static void truncated_while_mapped(void **state)
{
    (void)state;
    char path[] = "/tmp/tdcapXXXXXX";
    FILE *f = temp_file(path);
    assert_non_null(f);
    /* pcap global header: magic, version 2.4, zone, sigfigs, snaplen, raw IP (101) */
    put32(f, 0xa1b2c3d4u);
    uint16_t v[2] = { 2, 4 };
    fwrite(v, 2, 2, f);
    put32(f, 0);
    put32(f, 0);
    put32(f, 65535);
    put32(f, 101);
    uint8_t pkt[PKT_LEN];
    memset(pkt, 0x45, sizeof(pkt));
    for (int i = 0; i < PACKETS; i++) {
        put32(f, 1700000000u + (uint32_t)i);
        put32(f, 0);
        put32(f, PKT_LEN);
        put32(f, PKT_LEN);
        fwrite(pkt, 1, sizeof(pkt), f);
    }
    fclose(f);

    td_capfile_t *cf = NULL;
    char err[200] = "";
    assert_int_equal(td_capfile_open(path, &cf, err, sizeof(err)), 0);
    td_cappkt_t p;
    int n = 0;
    int rc = 0;
    while (n < 10 && (rc = td_capfile_next(cf, &p, err, sizeof(err))) == 1) {
        n++;
    }
    assert_int_equal(n, 10);
    assert_int_equal(truncate(path, 4096), 0); /* the rest of the file is gone */
    while ((rc = td_capfile_next(cf, &p, err, sizeof(err))) == 1) {
        n++;
    }
    assert_int_equal(rc, TD_E_IO);
    assert_non_null(strstr(err, "shrank"));
    /* The 10 packets read before the cut end past the new end of file (4096): the next record
     * header lies in a page that is gone, and no record of zeros is handed out. With larger
     * pages the bytes up to the page's end still read (as the file's or as zeros). */
    if (sysconf(_SC_PAGESIZE) == 4096) {
        assert_int_equal(n, 10);
    } else {
        assert_true(n < PACKETS);
    }
    td_capfile_close(cf);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(truncated_while_mapped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
