/* cmd_args: argument parsing shared by the subcommands. */
#include <stdlib.h>

#include "evofolio/cmd.h"

long long cmd_parse_id(const char *text)
{
    char *end;
    long long v = strtoll(text, &end, 10);
    return *text && !*end && v > 0 ? v : -1;
}
