/*
 * config_int.h: the parts of reading newsd.conf that need more than a row
 * of the settings table (config_filters.c).  Not part of the core
 * library's API.
 */
#ifndef NEWSD_CONFIG_INT_H
#define NEWSD_CONFIG_INT_H

#include <libconfig.h>
#include <stddef.h>

#include "newsd/filter.h"

/*
 * A `filters = ( { field = "title"; match = "..."; action = "drop"; }, ... );`
 * list into compiled rules for scope ("global" or a source id).  file names
 * the configuration where libconfig does not know the file (text read from
 * memory).  0 with *out (one reference), or ND_EINVAL with "file:line:
 * reason" in err.
 */
int nd_config_filters(const config_setting_t *list, const char *scope, const char *file,
                      struct nd_filters **out, char *err, size_t errlen);

#endif
