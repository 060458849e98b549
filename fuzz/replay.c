/* A main() for a libFuzzer harness without libFuzzer: runs LLVMFuzzerTestOneInput once on each
 * file named on the command line, so that the inputs the fuzzers crashed on replay in
 * `make check` with the project's own compiler (and under ASan + UBSan in a sanitizer build):
 * tests/fuzz/crashes.sh.  Exit status 0 when every input ran; a crash is the sanitizer's (or
 * the harness's abort()). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
    LLVMFuzzerInitialize(&argc, &argv);
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) {
            perror(argv[i]);
            return 2;
        }
        size_t cap = 1 << 16, n = 0, r;
        uint8_t *buf = malloc(cap);
        while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
            n += r;
            if (n == cap) {
                uint8_t *nb = realloc(buf, cap *= 2);
                if (!nb)
                    free(buf);
                buf = nb;
            }
        }
        fclose(f);
        if (!buf) {
            fprintf(stderr, "%s: out of memory\n", argv[i]);
            return 2;
        }
        fprintf(stderr, "replay: %s (%zu bytes)\n", argv[i], n);
        LLVMFuzzerTestOneInput(buf, n);
        free(buf);
    }
    return 0;
}
