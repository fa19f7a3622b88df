/* report: one self-contained HTML file about a run of an archive - summary, convergence, leaderboard,
 * the champion against the baselines on the held-out test period (equity, drawdown, metrics, deflated
 * Sharpe ratio and PBO), its weights and turnover, which genes matter, and the cost of evaluations -
 * drawn as inline SVG (svg.h) with inline CSS: no scripts, fonts or anything else from the network.
 * Everything comes from the archive, opened read-only, so it works on a run still being written (and
 * says so); sections without data say "not available yet". The one thing read beside the archive is
 * the run's market data, only to name the assets, and only when its hash matches the run's.
 * Failures: EVO_ERR_USAGE (no such archive or run), the archive's errors, EVO_ERR_IO when writing. */
#ifndef EVOFOLIO_REPORT_H
#define EVOFOLIO_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "evofolio/archive.h"
#include "evofolio/error.h"

/* Run `run` of the archive at path (0 = the newest) into *out: 0, or EVO_ERR_USAGE when the file does
 * not exist or has no such run, EVO_ERR_DATA when it holds no run at all, or the archive's error. */
int report_find_run(const char *path, int64_t run, archive_run *out, evo_error *err);

/* Write the report of run `run` (0 = the newest) of the archive at archive_path to out. The whole page
 * is made in memory first, so nothing is written to out unless the archive could be read. */
int report_write(const char *archive_path, int64_t run, FILE *out, evo_error *err);

#endif
