/* synth: GBM price paths; asset names S01, S02, ... */
#include "evofolio/synth.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evofolio/rng.h"

/* Prices outside this range would not survive the CSV round trip as ordinary numbers. */
#define SYNTH_PRICE_MIN 1e-100
#define SYNTH_PRICE_MAX 1e100

void synth_defaults(synth_options *opt)
{
    *opt = (synth_options){
        .n_assets = 10,
        .n_days = 2520,
        .seed = 1,
        .drift = 0.08,
        .vol = 0.25,
        .corr = 0.3,
        .start_price = 100,
        .start = date_from_ymd(2000, 1, 3),
    };
}

static evo_date next_business_day(evo_date d)
{
    while (date_weekday(d) >= 5)
        d++;
    return d;
}

int synth_panel(const synth_options *o, evo_panel *p, evo_error *err)
{
    memset(p, 0, sizeof *p);
    if (o->n_assets < 1 || o->n_assets > 10000 || o->n_days < 1 || o->n_days > 1000000)
        return evo_fail(err, EVO_ERR_USAGE, "synth: --assets must be 1..10000 and --days 1..1000000.");
    if (!(o->vol >= 0 && o->vol <= 5) || !(o->corr >= 0 && o->corr < 1) || !(o->start_price > 0) ||
        !isfinite(o->drift) || fabs(o->drift) > 5)
        return evo_fail(err, EVO_ERR_USAGE, "synth: expected --vol in [0, 5], --corr in [0, 1), "
                        "--drift in [-5, 5] and --price > 0.");
    int A = o->n_assets, D = o->n_days;
    p->n_assets = A;
    p->n_days = D;
    p->assets = calloc((size_t)A, sizeof *p->assets);
    p->dates = calloc((size_t)D, sizeof *p->dates);
    p->close = calloc((size_t)D * A, sizeof *p->close);
    double *sigma = calloc((size_t)A, sizeof *sigma);
    if (!p->assets || !p->dates || !p->close || !sigma) {
        free(sigma);
        data_panel_free(p);
        return evo_fail(err, EVO_ERR_NOMEM, "synth: out of memory");
    }
    evo_rng rng;
    rng_seed(&rng, o->seed);
    for (int a = 0; a < A; a++) {
        char name[16];
        snprintf(name, sizeof name, "S%02d", a + 1);
        p->assets[a] = strdup(name);
        sigma[a] = o->vol * (0.5 + rng_uniform(&rng));
        p->close[a] = o->start_price;
    }
    const double dt = 1.0 / 252, wm = sqrt(o->corr), wi = sqrt(1 - o->corr);
    p->dates[0] = next_business_day(o->start);
    for (int d = 1; d < D; d++) {
        p->dates[d] = next_business_day(p->dates[d - 1] + 1);
        double zm = rng_normal(&rng);
        for (int a = 0; a < A; a++) {
            double z = wm * zm + wi * rng_normal(&rng);
            double r = (o->drift - 0.5 * sigma[a] * sigma[a]) * dt + sigma[a] * sqrt(dt) * z;
            double price = p->close[(size_t)(d - 1) * A + a] * exp(r);
            if (!(price > SYNTH_PRICE_MIN && price < SYNTH_PRICE_MAX)) {
                free(sigma);
                data_panel_free(p);
                return evo_fail(err, EVO_ERR_USAGE, "synth: with these options prices leave the "
                                "range %g..%g (asset %d, day %d). Lower --drift, --vol or --days.",
                                SYNTH_PRICE_MIN, SYNTH_PRICE_MAX, a + 1, d + 1);
            }
            p->close[(size_t)d * A + a] = price;
        }
    }
    free(sigma);
    for (int a = 0; a < A; a++)
        if (!p->assets[a]) {
            data_panel_free(p);
            return evo_fail(err, EVO_ERR_NOMEM, "synth: out of memory");
        }
    p->format = DATA_WIDE;
    p->rows_read = D;
    return EVO_OK;
}
