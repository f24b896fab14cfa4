// placeholder until the synth library lands
#include "synth/synth.h"
