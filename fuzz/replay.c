/* replay: a main() for a libFuzzer harness without libFuzzer, so that `make test` and `make asan` run
 * the harnesses on their corpora with the project's compiler and flags. `replay_<reader> DIR...` feeds
 * LLVMFuzzerTestOneInput every regular file of each DIR, in name order, each in a buffer of exactly
 * its size (so ASan sees a read past the end). Exit 0 when every input returned; a crash or a failed
 * check aborts on the input, which is named first. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

/* The file's bytes into *data (malloc'd, at least 1 byte so that an empty file has a buffer). */
static int read_input(const char *path, uint8_t **data, size_t *size)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (!f || fstat(fileno(f), &st) || !(*data = malloc(st.st_size ? (size_t)st.st_size : 1))) {
        if (f)
            fclose(f);
        return -1;
    }
    *size = fread(*data, 1, (size_t)st.st_size, f);
    int bad = ferror(f) || *size != (size_t)st.st_size;
    fclose(f);
    if (bad)
        free(*data);
    return bad ? -1 : 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int replay_dir(const char *dir, int *n_inputs)
{
    struct dirent **names;
    int n = scandir(dir, &names, NULL, by_name), rc = 0;
    if (n < 0) {
        fprintf(stderr, "replay: cannot read %s: %s\n", dir, strerror(errno));
        return -1;
    }
    for (int i = 0; i < n; i++) {
        char path[4096];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
        if (!rc && !stat(path, &st) && S_ISREG(st.st_mode)) {
            uint8_t *data;
            size_t size;
            if (read_input(path, &data, &size)) {
                fprintf(stderr, "replay: cannot read %s: %s\n", path, strerror(errno));
                rc = -1;
            } else {
                fprintf(stderr, "replay: %s\n", path); /* before the input: a crash comes after its name */
                LLVMFuzzerTestOneInput(data, size);
                free(data);
                ++*n_inputs;
            }
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s DIR...   (run the harness on every file of each DIR)\n", argv[0]);
        return 2;
    }
    int n_inputs = 0;
    for (int i = 1; i < argc; i++)
        if (replay_dir(argv[i], &n_inputs))
            return 1;
    printf("%s: %d inputs replayed\n", argv[0], n_inputs);
    return 0;
}
