/*
 * http/http.h - the umbrella header of the HTTP layer.  Knows nothing of
 * any module in modules/.
 */
#ifndef HV_HTTP_H
#define HV_HTTP_H

#include "core/core.h"
#include "event/event.h"

#include "http/parse.h"
#include "http/http_config.h"
#include "http/request.h"
#include "http/core_module.h"
#include "http/variables.h"

#endif /* HV_HTTP_H */
