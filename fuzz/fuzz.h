/* fuzz: what the libFuzzer harnesses (fuzz_<reader>.c) share. Each harness defines
 * LLVMFuzzerTestOneInput; `make fuzz` links it with libFuzzer, `make test` with replay.c, which feeds
 * it every file of a corpus directory. A harness returns 0 for any input, prints nothing and frees
 * everything it made; a property it checks that fails is an abort(), which both drivers report. */
#ifndef EVOFOLIO_FUZZ_H
#define EVOFOLIO_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as a NUL-terminated string (malloc'd, caller frees; NULL when out of memory). Every NUL
 * inside stays, so readers that take a C string see a prefix of the input. */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s) {
        memcpy(s, data, size);
        s[size] = '\0';
    }
    return s;
}

/* Write the input to a fresh file /tmp/evofolio-fuzz-XXXXXX<suffix> for readers that take a path;
 * path[size] gets its name. 0, or -1 when the file cannot be made (the input is then skipped). */
static inline int fuzz_file(const uint8_t *data, size_t size, const char *suffix, char *path,
                            size_t path_size)
{
    snprintf(path, path_size, "/tmp/evofolio-fuzz-XXXXXX%s", suffix);
    int fd = mkstemps(path, (int)strlen(suffix));
    if (fd < 0)
        return -1;
    size_t done = 0;
    while (done < size) {
        ssize_t n = write(fd, data + done, size - done);
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    close(fd);
    if (done < size) {
        unlink(path);
        return -1;
    }
    return 0;
}

/* A property of the reader does not hold: say which, and abort so that the driver keeps the input. */
static inline void fuzz_check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz: %s\n", what);
        abort();
    }
}

#endif
