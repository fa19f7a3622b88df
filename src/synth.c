/* synth: GBM price paths with an optional planted signal; asset names S01, S02, ... */
#include "evofolio/synth.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evofolio/rng.h"

/* Prices outside this range would not survive the CSV round trip as ordinary numbers. */
#define SYNTH_PRICE_MIN 1e-100
#define SYNTH_PRICE_MAX 1e100

static const char *const plant_names[SYNTH_PLANT_COUNT] = {"none", "momentum", "reversal", "ar", "leadlag"};
const evo_names synth_plants = {"planted signal", plant_names, SYNTH_PLANT_COUNT, NULL};

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
        .planted = SYNTH_PLANT_NONE,
        .strength = 0,
    };
}

static evo_date next_business_day(evo_date d)
{
    while (date_weekday(d) >= 5)
        d++;
    return d;
}

/* The sd of every asset, a = 0..A-1: the first A draws of the seed's generator. */
static void draw_sigmas(double *sigma_a, const synth_options *o, evo_rng *rng)
{
    for (int a = 0; a < o->n_assets; a++)
        sigma_a[a] = o->vol * (0.5 + rng_uniform(rng));
}

/* The cross-sectional plants (momentum, reversal): sign * strength * sigma_a * sqrt(dt) * z_{t,a}. */
static void plant_cross_section(double *plant_a, const synth_options *o, const double *close_da, int t,
                                const double *sigma_a, double dt)
{
    int A = o->n_assets, K = o->planted == SYNTH_PLANT_MOMENTUM ? SYNTH_MOMENTUM_DAYS : SYNTH_REVERSAL_DAYS;
    double sign = o->planted == SYNTH_PLANT_MOMENTUM ? 1 : -1, mean = 0, var = 0;
    if (t < K)
        return;
    /* m_a = log(P_{t,a} / P_{t-K,a}), kept in plant_a until it becomes the plant. */
    for (int a = 0; a < A; a++) {
        plant_a[a] = log(close_da[(size_t)t * A + a] / close_da[(size_t)(t - K) * A + a]);
        mean += plant_a[a];
    }
    mean /= A;
    for (int a = 0; a < A; a++)
        var += (plant_a[a] - mean) * (plant_a[a] - mean);
    double sd = sqrt(var / A); /* population sd: z has mean 0 and mean square 1 across assets */
    for (int a = 0; a < A; a++) {
        double z = sd > 0 ? (plant_a[a] - mean) / sd : 0;
        plant_a[a] = sign * o->strength * sigma_a[a] * sqrt(dt) * z;
    }
}

/* The autoregressive plants (ar, leadlag) from e_{t,a}, the step t-1 -> t's deviation from the drift. */
static void plant_autoregressive(double *plant_a, const synth_options *o, const double *close_da, int t,
                                 const double *sigma_a, double dt)
{
    const int A = o->n_assets;
    if (t < 1)
        return;
    for (int a = 0; a < A; a++) {
        int from = o->planted == SYNTH_PLANT_AR ? a : a - 1;
        if (from < 0)
            continue;
        double e = log(close_da[(size_t)t * A + from] / close_da[(size_t)(t - 1) * A + from]) -
                   (o->drift - 0.5 * sigma_a[from] * sigma_a[from]) * dt;
        if (o->planted == SYNTH_PLANT_AR) /* phi_a e_{t,a} */
            plant_a[a] = (2 * a < A ? 1 : -1) * o->strength * e;
        else /* strength s_a / s_{a-1} e_{t,a-1} */
            plant_a[a] = sigma_a[from] > 0 ? o->strength * sigma_a[a] / sigma_a[from] * e : 0;
    }
}

/* The plant's extra log return of every asset for the step from day t to t+1 (see synth_planted).
 * plant_a [A] out; close_da [t+1][A]: the prices of days 0..t, nothing later; sigma_a [A]: annual
 * volatilities. */
static void plant_drift(double *plant_a, const synth_options *o, const double *close_da, int t,
                        const double *sigma_a, double dt)
{
    for (int a = 0; a < o->n_assets; a++)
        plant_a[a] = 0;
    if (o->planted == SYNTH_PLANT_MOMENTUM || o->planted == SYNTH_PLANT_REVERSAL)
        plant_cross_section(plant_a, o, close_da, t, sigma_a, dt);
    else if (o->planted != SYNTH_PLANT_NONE)
        plant_autoregressive(plant_a, o, close_da, t, sigma_a, dt);
}

void synth_signal(const synth_options *o, const evo_panel *p, double *signal_da)
{
    const int A = p->n_assets;
    double sigma[A > 0 ? A : 1];
    evo_rng rng;
    rng_seed(&rng, o->seed);
    draw_sigmas(sigma, o, &rng);
    for (int d = 0; d < p->n_days; d++)
        plant_drift(signal_da + (size_t)d * A, o, p->close, d, sigma, 1.0 / 252);
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
    const int autoregressive = o->planted == SYNTH_PLANT_AR || o->planted == SYNTH_PLANT_LEADLAG;
    if ((unsigned)o->planted >= SYNTH_PLANT_COUNT || !(o->strength >= 0 && o->strength <= 10))
        return evo_fail(err, EVO_ERR_USAGE, "synth: expected --planted none, momentum, reversal, ar or "
                        "leadlag and --strength in [0, 10].");
    if (autoregressive && !(o->strength < 1))
        return evo_fail(err, EVO_ERR_USAGE, "synth: --planted %s needs --strength below 1 (it is an "
                        "autoregressive coefficient; 0.05 is subtle, 0.2 strong).", synth_plants.names[o->planted]);
    if (o->planted == SYNTH_PLANT_NONE && o->strength != 0)
        return evo_fail(err, EVO_ERR_USAGE, "synth: --strength %g plants nothing without --planted; "
                        "add --planted momentum, reversal, ar or leadlag.", o->strength);
    int A = o->n_assets, D = o->n_days;
    p->n_assets = A;
    p->n_days = D;
    p->assets = calloc((size_t)A, sizeof *p->assets);
    p->dates = calloc((size_t)D, sizeof *p->dates);
    p->close = calloc((size_t)D * A, sizeof *p->close);
    double *sigma = calloc((size_t)A, sizeof *sigma), *plant = calloc((size_t)A, sizeof *plant);
    if (!p->assets || !p->dates || !p->close || !sigma || !plant) {
        free(sigma);
        free(plant);
        data_panel_free(p);
        return evo_fail(err, EVO_ERR_NOMEM, "synth: out of memory");
    }
    evo_rng rng;
    rng_seed(&rng, o->seed);
    draw_sigmas(sigma, o, &rng);
    for (int a = 0; a < A; a++) {
        char name[16];
        snprintf(name, sizeof name, "S%02d", a + 1);
        p->assets[a] = strdup(name);
        p->close[a] = o->start_price;
    }
    const double dt = 1.0 / 252, wm = sqrt(o->corr), wi = sqrt(1 - o->corr);
    p->dates[0] = next_business_day(o->start);
    for (int d = 1; d < D; d++) {
        p->dates[d] = next_business_day(p->dates[d - 1] + 1);
        double zm = rng_normal(&rng);
        if (o->planted != SYNTH_PLANT_NONE) /* from the prices of days 0..d-1 only */
            plant_drift(plant, o, p->close, d - 1, sigma, dt);
        for (int a = 0; a < A; a++) {
            double z = wm * zm + wi * rng_normal(&rng);
            double r = (o->drift - 0.5 * sigma[a] * sigma[a]) * dt + sigma[a] * sqrt(dt) * z;
            if (o->planted != SYNTH_PLANT_NONE)
                r += plant[a];
            double price = p->close[(size_t)(d - 1) * A + a] * exp(r);
            if (!(price > SYNTH_PRICE_MIN && price < SYNTH_PRICE_MAX)) {
                free(sigma);
                free(plant);
                data_panel_free(p);
                return evo_fail(err, EVO_ERR_USAGE, "synth: with these options prices leave the "
                                "range %g..%g (asset %d, day %d). Lower --drift, --vol, --strength or "
                                "--days.",
                                SYNTH_PRICE_MIN, SYNTH_PRICE_MAX, a + 1, d + 1);
            }
            p->close[(size_t)d * A + a] = price;
        }
    }
    free(sigma);
    free(plant);
    for (int a = 0; a < A; a++)
        if (!p->assets[a]) {
            data_panel_free(p);
            return evo_fail(err, EVO_ERR_NOMEM, "synth: out of memory");
        }
    p->format = DATA_WIDE;
    p->rows_read = D;
    return EVO_OK;
}
