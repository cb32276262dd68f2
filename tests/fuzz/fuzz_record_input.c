/*
 * fuzz_record_input - libFuzzer target for the parsers that see untrusted
 * bytes on the recording path: the strict JSON validator, the UTF-8
 * sanitizer, and the record field decoder (reading arbitrary bytes as a
 * record body must stay in bounds).
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Icore -Iport \
 *         tests/fuzz/fuzz_record_input.c core/lft_json.c core/lft_text.c core/lft_record.c ...
 *
 * With -DLFT_FUZZ_STANDALONE it is a plain program that replays the files
 * named on its command line (used by ctest on a small seed set).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lft_json.h"
#include "lft_record.h"
#include "lft_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;

    /* JSON: only a verdict, never a crash or an out-of-bounds read. */
    lft_err_t v = lft_json_validate(text, size);
    if (v != LFT_OK && v != LFT_ERR_JSON) {
        abort();
    }

    /* UTF-8: chunked sanitizing concatenates to the one-shot result, and the
     * result is valid UTF-8. */
    static char whole[8192], piece[8192];
    size_t cap = size * 3u < sizeof whole ? size * 3u : sizeof whole;
    size_t used = 0;
    size_t n = lft_utf8_sanitize(text, size, whole, cap, &used);
    if (used == size && !lft_utf8_valid(whole, n)) {
        abort();
    }
    size_t off = 0, out = 0;
    while (off < size && out + 4u <= sizeof piece) {
        char small[5];
        size_t k = lft_utf8_sanitize(text + off, size - off, small, sizeof small, &used);
        if (used == 0) {
            break;
        }
        memcpy(piece + out, small, k);
        out += k;
        off += used;
    }
    if (off == size && used != 0 && (out != n || memcmp(piece, whole, n) != 0)) {
        abort();
    }
    size_t cut = lft_utf8_boundary(text, size, size / 2u);
    if (cut > size / 2u) {
        abort();
    }

    /* Fields: decoding arbitrary bytes stays inside them. */
    lft_record_t rec;
    memset(&rec, 0, sizeof rec);
    rec.fields = data;
    rec.fields_len = (uint32_t)size;
    lft_field_iter_t it;
    lft_field_t f;
    lft_field_iter_init(&it, &rec);
    for (unsigned i = 0; i <= size; i++) {
        const int by_ref = it.p < it.end && *it.p == LFT_F_NAME_REF;
        int r = lft_field_next(&it, &f);
        if (r != 1) {
            break;
        }
        if (by_ref) { /* a pointer by design (lft_span_start_ref): never followed here */
            if (f.tag != LFT_F_NAME || f.str_len > LFT_NAME_REF_MAX) {
                abort();
            }
            continue;
        }
        if (f.str != NULL && (f.str < text || f.str + f.str_len > text + size)) {
            abort();
        }
        if (f.key != NULL && (f.key < text || f.key + f.key_len > text + size)) {
            abort();
        }
    }
    return 0;
}

#ifdef LFT_FUZZ_STANDALONE
int main(int argc, char **argv)
{
    static uint8_t buf[65536];
    for (int i = 1; i < argc; i++) {
        FILE *fp = fopen(argv[i], "rb");
        if (fp == NULL) {
            perror(argv[i]);
            return 1;
        }
        size_t n = fread(buf, 1, sizeof buf, fp);
        fclose(fp);
        LLVMFuzzerTestOneInput(buf, n);
    }
    printf("replayed %d inputs\n", argc - 1);
    return 0;
}
#endif
