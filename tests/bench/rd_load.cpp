// bench_rd_load — time to load RDs, next to the floor of reading the same XML into a tree.
// Usage: bench_rd_load INPUTS_DIR RD_ID... (each loaded cold, i.e. with a fresh store, many times)
#include "meles/rd/parse/xml_loader.hpp"
#include "meles/rd/store/rd_store.hpp"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

using namespace meles::rd;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
	if (argc < 3) {
		std::fprintf(stderr, "usage: %s INPUTS_DIR RD_ID...\n", argv[0]);
		return 2;
	}
	RdStoreOptions opts;
	opts.inputs_dir = argv[1];
	for (int i = 2; i < argc; ++i) {
		std::string id = argv[i];
		// Warm up the system RDs and the file cache once; then every round is a cold store
		// for the user RD but shares nothing else.
		RdStore warm(opts);
		auto path = warm.get(id)->source_path;
		std::ifstream in(path);
		std::stringstream ss;
		ss << in.rdbuf();
		std::string text = ss.str();
		int rounds = 200;
		auto t0 = Clock::now();
		for (int r = 0; r < rounds; ++r) {
			auto root = load_xml_text(text, path.string());
			if (root.name.empty()) return 1;
		}
		double floor_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count() / rounds;
		t0 = Clock::now();
		for (int r = 0; r < rounds; ++r) {
			RdStore store(opts);
			auto lr = store.load(id); // includes loading the system RDs it references
			if (!lr.resource) return 1;
		}
		double cold_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count() / rounds;
		t0 = Clock::now();
		for (int r = 0; r < rounds; ++r) {
			warm.invalidate(warm.rd_id_for(id));
			auto lr = warm.load(id); // system RDs cached
			if (!lr.resource) return 1;
		}
		double warm_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count() / rounds;
		t0 = Clock::now();
		for (int r = 0; r < rounds * 10; ++r)
			if (!warm.get(id)) return 1;
		double cached_us =
		    std::chrono::duration<double, std::micro>(Clock::now() - t0).count() / (rounds * 10);
		std::printf(
		    "%-28s %7zu bytes  xml floor %7.3f ms  load %7.3f ms (%.1fx)  with fresh system RDs %7.3f ms  "
		    "cached get %6.2f us\n",
		    id.c_str(), text.size(), floor_ms, warm_ms, warm_ms / floor_ms, cold_ms, cached_us);
	}
	return 0;
}
