/* asha: the rungs of asynchronous successive halving (asha.h). */
#include "evofolio/asha.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void asha_init(asha_ladder *l, int rungs, int eta)
{
    memset(l, 0, sizeof *l);
    l->rungs = rungs < 1 ? 1 : rungs > ASHA_RUNGS_MAX ? ASHA_RUNGS_MAX : rungs;
    l->eta = eta < 2 ? 2 : eta;
}

void asha_free(asha_ladder *l)
{
    for (int k = 0; k < ASHA_RUNGS_MAX; k++)
        free(l->rung[k].e);
    memset(l, 0, sizeof *l);
}

/* a ahead of b in a rung's order: fitter (non-finite last), or as fit and the lower id. */
static int ahead(const asha_entry *a, const asha_entry *b)
{
    const double fa = isfinite(a->fitness) ? a->fitness : -INFINITY,
                 fb = isfinite(b->fitness) ? b->fitness : -INFINITY;
    return fa > fb || (fa == fb && a->id < b->id);
}

int asha_add(asha_ladder *l, int k, int64_t id, double fitness, int64_t ref, evo_error *err)
{
    asha_rung *r = &l->rung[k];
    if (r->n == r->cap) {
        int cap = r->cap ? 2 * r->cap : 64;
        asha_entry *grown = realloc(r->e, sizeof *grown * (size_t)cap);
        if (!grown)
            return evo_fail(err, EVO_ERR_NOMEM, "out of memory for %d results at rung %d", cap, k);
        r->e = grown;
        r->cap = cap;
    }
    const asha_entry add = {id, fitness, ref, 0};
    int at = r->n;
    while (at > 0 && ahead(&add, &r->e[at - 1]))
        at--;
    memmove(&r->e[at + 1], &r->e[at], sizeof *r->e * (size_t)(r->n - at));
    r->e[at] = add;
    r->n++;
    return EVO_OK;
}

int asha_mark_promoted(asha_ladder *l, int k, int64_t id, int64_t *ref)
{
    asha_rung *r = &l->rung[k];
    for (int i = 0; i < r->n; i++)
        if (r->e[i].id == id) {
            r->e[i].promoted = 1;
            *ref = r->e[i].ref;
            return 1;
        }
    return 0;
}

int asha_promote(asha_ladder *l, int *k, asha_entry *entry)
{
    for (int rung = l->rungs - 2; rung >= 0; rung--) {
        asha_rung *r = &l->rung[rung];
        const int top = r->n / l->eta;
        for (int i = 0; i < top; i++)
            if (!r->e[i].promoted && isfinite(r->e[i].fitness)) {
                r->e[i].promoted = 1;
                *k = rung;
                *entry = r->e[i];
                return 1;
            }
    }
    return 0;
}
