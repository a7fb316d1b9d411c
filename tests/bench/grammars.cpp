// bench_grammars — speed of the ingestion grammars, and the deterministic catalogue
// generator the benchmarks and the demo use.
//
//   bench_grammars gen NROWS OUT [SEED]   write the anchor catalogue CSV (id,ra,dec,mag,name),
//                                         byte-identical to shared/anchors/dachs/gen_data.py
//   bench_grammars csv FILE [REPEAT]      parse FILE with csvGrammar; best of REPEAT runs
//   bench_grammars floor FILE [REPEAT]    read FILE in 256 KiB blocks and count lines (the floor)
//
// Timings print as "<what> <seconds> s <MB/s> MB/s <rows/s> rows/s".
#include "meles/core/common/error.hpp"
#include "meles/rd/ingest/grammars/csv_grammar.hpp"

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

// Python's random.Random: MT19937 seeded by init_by_array, random() with 53-bit
// resolution and gauss() with its cached second value, so the output matches gen_data.py.
class PyRandom {
public:
	explicit PyRandom(uint32_t seed) {
		init_genrand(19650218U);
		uint32_t key[1] = {seed};
		int i = 1, j = 0;
		for (int k = N; k; --k) {
			mt_[i] =
			    (mt_[i] ^ ((mt_[i - 1] ^ (mt_[i - 1] >> 30)) * 1664525U)) + key[j] + static_cast<uint32_t>(j);
			++i;
			++j;
			if (i >= N) {
				mt_[0] = mt_[N - 1];
				i = 1;
			}
			if (j >= 1) j = 0;
		}
		for (int k = N - 1; k; --k) {
			mt_[i] = (mt_[i] ^ ((mt_[i - 1] ^ (mt_[i - 1] >> 30)) * 1566083941U)) - static_cast<uint32_t>(i);
			++i;
			if (i >= N) {
				mt_[0] = mt_[N - 1];
				i = 1;
			}
		}
		mt_[0] = 0x80000000U;
	}

	double random() {
		uint32_t a = genrand() >> 5, b = genrand() >> 6;
		return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
	}

	double gauss(double mu, double sigma) {
		double z;
		if (has_next_) {
			z = next_;
			has_next_ = false;
		} else {
			double x2pi = random() * 2.0 * M_PI;
			double g2rad = std::sqrt(-2.0 * std::log(1.0 - random()));
			z = std::cos(x2pi) * g2rad;
			next_ = std::sin(x2pi) * g2rad;
			has_next_ = true;
		}
		return mu + z * sigma;
	}

private:
	static constexpr int N = 624, M = 397;
	void init_genrand(uint32_t s) {
		mt_[0] = s;
		for (mti_ = 1; mti_ < N; ++mti_)
			mt_[mti_] = 1812433253U * (mt_[mti_ - 1] ^ (mt_[mti_ - 1] >> 30)) + static_cast<uint32_t>(mti_);
	}
	uint32_t genrand() {
		static const uint32_t mag01[2] = {0, 0x9908b0dfU};
		if (mti_ >= N) {
			int kk = 0;
			for (; kk < N - M; ++kk) {
				uint32_t y = (mt_[kk] & 0x80000000U) | (mt_[kk + 1] & 0x7fffffffU);
				mt_[kk] = mt_[kk + M] ^ (y >> 1) ^ mag01[y & 1U];
			}
			for (; kk < N - 1; ++kk) {
				uint32_t y = (mt_[kk] & 0x80000000U) | (mt_[kk + 1] & 0x7fffffffU);
				mt_[kk] = mt_[kk + (M - N)] ^ (y >> 1) ^ mag01[y & 1U];
			}
			uint32_t y = (mt_[N - 1] & 0x80000000U) | (mt_[0] & 0x7fffffffU);
			mt_[N - 1] = mt_[M - 1] ^ (y >> 1) ^ mag01[y & 1U];
			mti_ = 0;
		}
		uint32_t y = mt_[mti_++];
		y ^= (y >> 11);
		y ^= (y << 7) & 0x9d2c5680U;
		y ^= (y << 15) & 0xefc60000U;
		y ^= (y >> 18);
		return y;
	}
	uint32_t mt_[N];
	int mti_ = N + 1;
	bool has_next_ = false;
	double next_ = 0;
};

int generate(long n, const char* out, uint32_t seed) {
	FILE* f = std::fopen(out, "wb");
	if (!f) {
		std::perror(out);
		return 1;
	}
	std::vector<char> buf(1 << 20);
	std::setvbuf(f, buf.data(), _IOFBF, buf.size());
	std::fputs("id,ra,dec,mag,name\n", f);
	PyRandom rng(seed);
	const double rad_to_deg = 180.0 / M_PI;
	for (long i = 1; i <= n; ++i) {
		double ra = rng.random() * 360.0;
		double dec = std::asin(2.0 * rng.random() - 1.0) * rad_to_deg;
		double mag = std::min(25.0, std::max(5.0, rng.gauss(17.0, 2.0)));
		double h = ra / 15.0;
		int hh = static_cast<int>(h);
		int mm = static_cast<int>((h - hh) * 60);
		double ss = ((h - hh) * 60 - mm) * 60;
		const char* sgn = dec >= 0 ? "+" : "-";
		double ad = std::fabs(dec);
		int dd = static_cast<int>(ad);
		int dm = static_cast<int>((ad - dd) * 60);
		double ds = ((ad - dd) * 60 - dm) * 60;
		std::fprintf(f, "%ld,%.8f,%.8f,%.3f,ANC J%02d%02d%05.2f%s%02d%02d%04.1f\n", i, ra, dec, mag, hh, mm,
		             ss, sgn, dd, dm, ds);
	}
	return std::fclose(f) == 0 ? 0 : 1;
}

double now() {
	return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void report(const char* what, double secs, uint64_t bytes, uint64_t rows) {
	std::printf("%s %.4f s %.1f MB/s %.0f rows/s\n", what, secs, bytes / secs / 1e6, rows / secs);
}

int bench_csv(const char* file, int repeat) {
	using namespace meles::rd::ingest;
	CsvGrammar g(CsvGrammarOptions{});
	SourceInfo src = SourceInfo::for_file(file);
	double best = 1e30;
	uint64_t rows = 0, check = 0;
	for (int r = 0; r < repeat; ++r) {
		double t0 = now();
		auto reader = g.open(src);
		RecordBatch batch;
		rows = 0;
		check = 0;
		while (reader->next(batch)) {
			rows += batch.size();
			// Touch every value as a consumer would (length and first byte).
			for (size_t i = 0; i < batch.size(); ++i)
				for (const Value& v : batch.record(i))
					check += v.as_text().size();
		}
		best = std::min(best, now() - t0);
	}
	report("csvGrammar", best, src.size, rows);
	std::printf("csvGrammar_fieldbytes %llu\n", static_cast<unsigned long long>(check));
	return 0;
}

int bench_floor(const char* file, int repeat) {
	double best = 1e30;
	uint64_t lines = 0, bytes = 0;
	std::vector<char> buf(256 * 1024);
	for (int r = 0; r < repeat; ++r) {
		double t0 = now();
		int fd = ::open(file, O_RDONLY);
		if (fd < 0) {
			std::perror(file);
			return 1;
		}
		lines = bytes = 0;
		for (;;) {
			ssize_t n = ::read(fd, buf.data(), buf.size());
			if (n <= 0) break;
			bytes += static_cast<uint64_t>(n);
			const char* p = buf.data();
			const char* e = p + n;
			while ((p = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(e - p))))) {
				++lines;
				++p;
			}
		}
		::close(fd);
		best = std::min(best, now() - t0);
	}
	report("floor_read_count_lines", best, bytes, lines);
	return 0;
}

} // namespace

int main(int argc, char** argv) {
	std::string mode = argc > 1 ? argv[1] : "";
	try {
		if (mode == "gen" && argc >= 4)
			return generate(std::atol(argv[2]), argv[3],
			                argc > 4 ? static_cast<uint32_t>(std::atol(argv[4])) : 20240601U);
		if (mode == "csv" && argc >= 3) return bench_csv(argv[2], argc > 3 ? std::atoi(argv[3]) : 3);
		if (mode == "floor" && argc >= 3) return bench_floor(argv[2], argc > 3 ? std::atoi(argv[3]) : 3);
	} catch (const meles::Error& e) {
		std::fprintf(stderr, "error: %s\n", e.what());
		return 1;
	}
	std::fprintf(stderr,
	             "usage: bench_grammars gen NROWS OUT [SEED] | csv FILE [REPEAT] | floor FILE [REPEAT]\n");
	return 2;
}
