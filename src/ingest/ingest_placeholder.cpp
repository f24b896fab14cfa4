// placeholder until the ingest library lands
#include "ingest/ingest.h"
