// meles — the operator's command line.  Placeholder entry during bootstrap.
#include <cstdio>
int main() { std::puts("meles"); return 0; }
