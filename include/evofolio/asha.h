/* asha: the rungs of asynchronous successive halving (ASHA: Li, Jamieson, Rostamizadeh, Gonina, Hardt,
 * Recht, Talwalkar 2018, "A System for Massively Parallel Hyperparameter Tuning"), as bookkeeping
 * over finished results; what a rung's budget is and who trains it is the caller's.
 *
 * A ladder has R rungs, 0 (the cheapest) to R-1 (the full budget). Each result finished at rung k is
 * added to rung k with its fitness (larger is better; a non-finite one - a failure - is never
 * promoted). Rung k's entries are kept best first: fitness descending, non-finite last, ties by the
 * lower id. When a worker is free, asha_promote looks at the rungs from R-2 down to 0 and takes, from
 * the first that has one, the best entry among its top floor(n_k / eta) that is finite and not yet
 * promoted: that candidate goes up to rung k+1. When none is promotable the caller starts a new
 * candidate at rung 0. So no one waits for a rung to fill, and every promotion is of an entry then in
 * its rung's top 1/eta. Promotions are not taken back when a later, better result pushes a promoted
 * entry out of the top, so a rung can end with more than floor(n_k / eta) of its entries promoted
 * (ASHA's known price for never waiting; synchronous halving promotes exactly the top).
 *
 * Adding is O(n_k) (the entry is inserted in order), promoting O(n_k) at worst. */
#ifndef EVOFOLIO_ASHA_H
#define EVOFOLIO_ASHA_H

#include <stdint.h>

#include "evofolio/error.h"

enum { ASHA_RUNGS_MAX = 6 };

typedef struct {
    int64_t id;     /* the evaluation that scored it */
    double fitness;
    int64_t ref;    /* the caller's handle for the candidate (an index of its own) */
    int promoted;   /* it has gone up to the next rung */
} asha_entry;

typedef struct {
    asha_entry *e;
    int n, cap;
} asha_rung;

typedef struct {
    int rungs, eta;
    asha_rung rung[ASHA_RUNGS_MAX];
} asha_ladder;

/* An empty ladder of `rungs` (1..ASHA_RUNGS_MAX) rungs, promoting 1 in eta (>= 2). */
void asha_init(asha_ladder *l, int rungs, int eta);
void asha_free(asha_ladder *l);

/* A result finished at rung k. EVO_ERR_NOMEM. */
int asha_add(asha_ladder *l, int k, int64_t id, double fitness, int64_t ref, evo_error *err);

/* Mark the entry of evaluation id at rung k promoted (a resumed run: a stored evaluation at rung k+1
 * was promoted from it): 1 with *ref its candidate's handle, or 0 when rung k has no such entry. */
int asha_mark_promoted(asha_ladder *l, int k, int64_t id, int64_t *ref);

/* The next promotion (see above): 1 with *k its rung (it goes to k+1) and *entry the entry, now marked
 * promoted; 0 when no rung has one to give. */
int asha_promote(asha_ladder *l, int *k, asha_entry *entry);

#endif
