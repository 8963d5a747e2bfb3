/* tests/tools/fuzz-qcow2.c: libFuzzer target for the qcow2 header
 * reader (chain/qcow2.c), the code that meets hostile files first.
 * Built with clang -fsanitize=fuzzer,address by tests/func/chain-fuzz.sh
 * (-DST_FUZZ_LIBFUZZER); without that macro it is a replay tool that
 * runs the same checks on the files named on its command line, so a
 * crash found by the fuzzer can be kept and re-run under gcc. */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "chain/qcow2.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct st_qcow2_header h;
    struct st_error *err = NULL;
    size_t span = st_qcow2_header_span(data, size);
    struct st_qcow2_header h2;
    struct st_error *err2 = NULL;
    bool ok, ok2;

    /* Parsing only the span the reader asks for must give the same
     * answer as parsing everything (chain.c reads just the span). */
    if (span > size)
        span = size;
    ok = st_qcow2_parse(data, size, size, &h, &err);
    ok2 = st_qcow2_parse(data, span, size, &h2, &err2);
    if (ok != ok2)
        abort();
    if (ok && (strcmp(h.backing, h2.backing) != 0 ||
               h.has_backing_format != h2.has_backing_format ||
               strcmp(h.backing_format, h2.backing_format) != 0 ||
               h.n_features != h2.n_features))
        abort();
    if (ok2)
        st_qcow2_header_clear(&h2);
    st_error_free(err2);
    if (ok) {
        /* What the parser accepted must be self-consistent. */
        if (strnlen(h.backing, sizeof h.backing) > ST_QCOW2_MAX_BACKING_LEN)
            abort();
        if (h.has_backing_format && strnlen(h.backing_format, sizeof h.backing_format) > ST_QCOW2_MAX_FORMAT_LEN)
            abort();
        if (h.cluster_size < 512 || h.cluster_size > 2 * 1024 * 1024)
            abort();
        for (unsigned bit = 0; bit < 64; bit++) {
            char name[ST_QCOW2_FEATURE_NAME_LEN + 1];
            const char *n = st_qcow2_incompat_name(&h, bit, name);

            if (n && strlen(n) > ST_QCOW2_FEATURE_NAME_LEN)
                abort();
        }
        st_qcow2_header_clear(&h);
    } else if (!err || !err->msg || !*err->msg) {
        abort();
    }
    st_error_free(err);
    return 0;
}

#ifndef ST_FUZZ_LIBFUZZER
int
main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        FILE *fp = fopen(argv[i], "rb");
        static uint8_t buf[4 * 1024 * 1024];
        size_t n;

        if (!fp) {
            perror(argv[i]);
            return 1;
        }
        n = fread(buf, 1, sizeof(buf), fp);
        fclose(fp);
        LLVMFuzzerTestOneInput(buf, n);
    }
    return 0;
}
#endif
