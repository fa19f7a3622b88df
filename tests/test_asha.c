/* Tests of asha: a hand-worked ladder (eta 3, three rungs), failures, ties, resume's marks, and ASHA's
 * invariant on a random stream of results and promotions. */
#include <criterion/criterion.h>
#include <math.h>

#include "evofolio/asha.h"
#include "evofolio/rng.h"

static void add(asha_ladder *l, int k, int64_t id, double fitness)
{
    evo_error err = {0};
    cr_assert_eq(asha_add(l, k, id, fitness, 100 + id, &err), EVO_OK, "%s", err.msg);
}

static void expect_promotion(asha_ladder *l, int want_k, int64_t want_id)
{
    int k = -1;
    asha_entry e = {0};
    cr_assert_eq(asha_promote(l, &k, &e), 1, "a promotion of #%lld at rung %d", (long long)want_id, want_k);
    cr_assert_eq(k, want_k, "promoted from rung %d, want %d", k, want_k);
    cr_assert_eq(e.id, want_id, "promoted #%lld, want #%lld", (long long)e.id, (long long)want_id);
    cr_assert_eq(e.ref, 100 + want_id, "the caller's handle comes back");
}

static void expect_none(asha_ladder *l)
{
    int k = -1;
    asha_entry e = {0};
    cr_assert_eq(asha_promote(l, &k, &e), 0, "no promotion (got #%lld at rung %d)", (long long)e.id, k);
}

/* Rung 0 after each step, best first, and what floor(n/3) lets go up:
 *   #1 .5                                  n 1, top 0: none
 *   #2 .9  #1 .5  #3 .1                    n 3, top 1: #2 goes up
 *   + #4 NaN, #5 .2, #6 -inf               n 6, top 2 = #2 (gone), #1: #1 goes up
 *   + #8 .9 (ties #2: the lower id first)  n 7, top 2 = #2 (gone), #8: #8 goes up
 * Rung 1: #7 1.0 (from #2), #10 .3, #11 .7  n 3, top 1 = #7: rung 1 goes first, #7 goes to rung 2. */
Test(asha, hand_worked_ladder, .description = "promotions from the top 1/eta, the higher rung first, failures never")
{
    asha_ladder l;
    asha_init(&l, 3, 3);
    add(&l, 0, 1, 0.5);
    expect_none(&l);
    add(&l, 0, 2, 0.9);
    add(&l, 0, 3, 0.1);
    expect_promotion(&l, 0, 2);
    expect_none(&l);
    add(&l, 0, 4, NAN);
    add(&l, 0, 5, 0.2);
    add(&l, 0, 6, -INFINITY);
    expect_promotion(&l, 0, 1);
    expect_none(&l);
    add(&l, 1, 7, 1.0);
    expect_none(&l);
    add(&l, 0, 8, 0.9);
    expect_promotion(&l, 0, 8);
    add(&l, 1, 10, 0.3);
    add(&l, 1, 11, 0.7);
    expect_promotion(&l, 1, 7);
    expect_none(&l);
    cr_assert_eq(l.rung[0].n, 7);
    const int64_t order[] = {2, 8, 1, 5, 3, 4, 6};
    for (int i = 0; i < 7; i++)
        cr_assert_eq(l.rung[0].e[i].id, order[i], "rung 0, place %d: #%lld", i, (long long)l.rung[0].e[i].id);
    asha_free(&l);
}

Test(asha, failures_and_the_top_rung, .description = "a failed best is not promoted; the top rung promotes nothing")
{
    asha_ladder l;
    asha_init(&l, 2, 2);
    add(&l, 0, 1, -INFINITY);
    add(&l, 0, 2, NAN);
    expect_none(&l);
    for (int i = 0; i < 10; i++)
        add(&l, 1, 10 + i, i);
    expect_none(&l);
    add(&l, 0, 3, 0.0);
    add(&l, 0, 4, -1.0);
    expect_promotion(&l, 0, 3); /* n 4, top 2: #3 then #4 (both finite) */
    expect_promotion(&l, 0, 4);
    expect_none(&l);
    asha_free(&l);
}

Test(asha, marks_of_a_resumed_run, .description = "asha_mark_promoted: the entry is skipped; an unknown id is 0")
{
    asha_ladder l;
    asha_init(&l, 3, 2);
    add(&l, 0, 1, 3);
    add(&l, 0, 2, 2);
    add(&l, 0, 3, 1);
    add(&l, 0, 4, 0);
    int64_t ref = -1;
    cr_assert_eq(asha_mark_promoted(&l, 0, 1, &ref), 1);
    cr_assert_eq(ref, 101, "the candidate's handle");
    cr_assert_eq(asha_mark_promoted(&l, 0, 9, &ref), 0);
    cr_assert_eq(asha_mark_promoted(&l, 1, 1, &ref), 0, "#1 is not at rung 1");
    expect_promotion(&l, 0, 2);
    expect_none(&l);
    asha_free(&l);
}

/* ASHA's invariant under any interleaving: every promotion is of an entry then in the top
 * floor(n/eta) of its rung, finite, and no entry goes up twice. */
Test(asha, invariant_on_a_random_stream, .description = "3000 random results and promotions, eta 2..4, 2..5 rungs")
{
    evo_rng rng;
    rng_seed(&rng, 11);
    for (int trial = 0; trial < 12; trial++) {
        const int R = 2 + trial % 4, eta = 2 + trial % 3;
        asha_ladder l;
        asha_init(&l, R, eta);
        int64_t id = 0;
        int up[ASHA_RUNGS_MAX] = {0};
        for (int step = 0; step < 250; step++) {
            const int k = (int)(rng_uniform(&rng) * R) % R;
            const double u = rng_uniform(&rng);
            add(&l, k, ++id, u < 0.05 ? -INFINITY : u);
            int from = -1;
            asha_entry e;
            while (rng_uniform(&rng) < 0.6 && asha_promote(&l, &from, &e)) {
                const asha_rung *r = &l.rung[from];
                int place = 0;
                while (place < r->n && r->e[place].id != e.id)
                    place++;
                cr_assert_lt(place, r->n / eta, "#%lld promoted from place %d of %d at eta %d", (long long)e.id,
                             place, r->n, eta);
                cr_assert(isfinite(e.fitness));
                up[from]++;
            }
            for (int j = 0; j < R; j++) {
                int marked = 0;
                for (int i = 0; i < l.rung[j].n; i++)
                    marked += l.rung[j].e[i].promoted;
                cr_assert_eq(marked, up[j], "rung %d: each promotion marks one entry once", j);
                for (int i = 1; i < l.rung[j].n; i++)
                    cr_assert(!(l.rung[j].e[i].fitness > l.rung[j].e[i - 1].fitness), "rung %d is in order", j);
            }
        }
        cr_assert_eq(up[R - 1], 0, "the top rung promotes nothing");
        asha_free(&l);
    }
}
