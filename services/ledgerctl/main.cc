// ledgerctl: the command-line client; all logic lives in services/ctl.

#include "services/ctl/ctl.h"

int main(int argc, char** argv) { return pdl::RunCtl(argc, argv); }
