/* fuzz_blas_plan: the kernel plan reader, blas_plan_parse, as a resume and `eval --from` call it on an
 * archive's runs.blas and the machine's cache on its plan line. A plan it accepts names a concrete
 * path for every class, and its text reads back to the same plan. */
#include "fuzz.h"

#include "evofolio/blas_plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size);
    blas_plan p, again;
    if (text && !blas_plan_parse(&p, text)) {
        for (int c = 0; c < BLAS_CLASS_COUNT; c++)
            fuzz_check(p.path[c] > BLAS_AUTO && p.path[c] < BLAS_PATH_COUNT, "an accepted plan has no path for a class");
        char out[BLAS_PLAN_TEXT_MAX];
        blas_plan_text(&p, out);
        fuzz_check(!blas_plan_parse(&again, out) && !memcmp(&p, &again, sizeof p),
                   "the text of an accepted plan reads back as another plan");
    }
    free(text);
    return 0;
}
