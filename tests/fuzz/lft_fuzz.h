/*
 * lft_fuzz.h - what the libFuzzer targets in this directory share: the
 * entry point's prototype, FUZZ_CHECK (abort with the failed invariant), and,
 * built with -DLFT_FUZZ_STANDALONE, the replay main: a target is then a plain
 * program that runs LLVMFuzzerTestOneInput on every file named on its
 * command line (a directory stands for the files in it), as ctest does on
 * the seeds:
 *     int main(int argc, char **argv) { return lft_fuzz_replay_main(argc, argv, "fuzz_http"); }
 * lft_fuzz_replay_main returns 0 when every input was read and replayed (the
 * target aborts on a broken invariant), 1 when a file cannot be read.
 * Include it first (it may define _POSIX_C_SOURCE for opendir).
 */
#ifndef LFT_FUZZ_H
#define LFT_FUZZ_H

#if defined(LFT_FUZZ_STANDALONE) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L /* opendir */
#endif
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                                  \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);  \
            abort();                                                                      \
        }                                                                                 \
    } while (0)

#ifdef LFT_FUZZ_STANDALONE
#include <dirent.h>

static int lft_fuzz_replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    long len;
    if (f == NULL) {
        return -1;
    }
    if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return -1;
    }
    buf = (uint8_t *)malloc((size_t)len + 1u);
    if (buf == NULL || fread(buf, 1, (size_t)len, f) != (size_t)len) {
        free(buf);
        fclose(f);
        return -1;
    }
    fclose(f);
    LLVMFuzzerTestOneInput(buf, (size_t)len);
    free(buf);
    return 0;
}

static int lft_fuzz_replay_main(int argc, char **argv, const char *name)
{
    int i;
    unsigned long n = 0;
    for (i = 1; i < argc; i++) {
        DIR *dir = opendir(argv[i]);
        if (dir != NULL) {
            struct dirent *e;
            while ((e = readdir(dir)) != NULL) {
                char path[4096];
                if (e->d_name[0] == '.') {
                    continue;
                }
                if ((size_t)snprintf(path, sizeof path, "%s/%s", argv[i], e->d_name) >= sizeof path ||
                    lft_fuzz_replay_file(path) != 0) {
                    fprintf(stderr, "cannot read %s/%s\n", argv[i], e->d_name);
                    closedir(dir);
                    return 1;
                }
                n++;
            }
            closedir(dir);
        } else if (lft_fuzz_replay_file(argv[i]) == 0) {
            n++;
        } else {
            fprintf(stderr, "cannot read %s\n", argv[i]);
            return 1;
        }
    }
    printf("%s: %lu inputs replayed, no invariant failed\n", name, n);
    return 0;
}

#endif /* LFT_FUZZ_STANDALONE */
#endif /* LFT_FUZZ_H */
