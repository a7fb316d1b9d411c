// bench_votable — encoding and decoding speed of the tabular formats.
//
// Encodes N rows of (bigint, double, double, real, ~20-char text) into a sink that only counts
// bytes, in BINARY2 (typed cell calls, and the raw big-endian entry point a PostgreSQL binary
// converter uses), TABLEDATA, CSV and TSV; then decodes the BINARY2 document with the reader,
// alone and with the COPY text conversion that uploads use.  The floor is copying the same
// values as big-endian bytes into a buffer (what PostgreSQL's binary COPY hands us).
// Usage: bench_votable [rows]   (default 1000000); best of 3 runs is reported.
#include "meles/core/common/byte_sink.hpp"
#include "meles/core/formats/output_format.hpp"
#include "meles/core/votable/copy_text_converter.hpp"
#include "meles/core/votable/votable_reader.hpp"
#include "meles/core/votable/votable_writer.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

using namespace meles;

namespace {

struct CountingSink final : ByteSink {
	std::uint64_t bytes = 0;
	void write(std::string_view d) override { bytes += d.size(); }
};

ColumnMeta col(const char* name, const char* type) {
	ColumnMeta m;
	m.name = name;
	m.type = SqlType::parse(type);
	return m;
}

formats::TableHeader header() {
	formats::TableHeader h;
	h.columns = {col("id", "bigint"), col("ra", "double precision"), col("dec", "double precision"),
	             col("mag", "real"), col("name", "text")};
	return h;
}

// Pre-generated row values, so the benchmark measures formatting, not value generation.
struct Rows {
	std::vector<std::int64_t> id;
	std::vector<double> ra, dec;
	std::vector<float> mag;
	std::vector<std::string> name;
	std::vector<char> be; // the same values big-endian, 28 bytes per row
	explicit Rows(std::size_t n) {
		std::uint64_t x = 88172645463325252ull;
		auto rnd = [&] {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			return x;
		};
		for (std::size_t i = 0; i < n; ++i) {
			id.push_back(static_cast<std::int64_t>(i) * 7919);
			ra.push_back(static_cast<double>(rnd() % 360000000) / 1e6);
			dec.push_back(static_cast<double>(rnd() % 180000000) / 1e6 - 90);
			mag.push_back(static_cast<float>(rnd() % 2500) / 100.0f);
			char buf[32];
			std::snprintf(buf, sizeof buf, "Gaia DR3 %011llu",
			              static_cast<unsigned long long>(rnd() % 100000000000ull));
			name.emplace_back(buf);
			auto put = [&](const void* p, int n) {
				const char* c = static_cast<const char*>(p);
				for (int k = n - 1; k >= 0; --k)
					be.push_back(c[k]);
			};
			put(&id.back(), 8);
			put(&ra.back(), 8);
			put(&dec.back(), 8);
			put(&mag.back(), 4);
		}
	}
	std::size_t size() const { return id.size(); }
};

double best_of_3(const std::function<void()>& f) {
	double best = 1e30;
	for (int i = 0; i < 3; ++i) {
		auto t0 = std::chrono::steady_clock::now();
		f();
		double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
		if (s < best) best = s;
	}
	return best;
}

void report(const char* what, std::size_t rows, std::uint64_t bytes, double secs, double floor) {
	std::printf("%-34s %7.3f s  %6.2f M rows/s  %7.1f MB/s  ratio to floor %5.1f\n", what, secs,
	            rows / secs / 1e6, bytes / secs / 1e6, secs / floor);
}

std::uint64_t encode(formats::OutputFormat fmt, const Rows& r, bool raw) {
	CountingSink sink;
	auto w = formats::make_table_writer(fmt, sink);
	w->begin(header());
	const char* be = r.be.data();
	for (std::size_t i = 0; i < r.size(); ++i, be += 28) {
		w->begin_row();
		if (raw) {
			w->raw_be(formats::RawType::Int64, be);
			w->raw_be(formats::RawType::Float64, be + 8);
			w->raw_be(formats::RawType::Float64, be + 16);
			w->raw_be(formats::RawType::Float32, be + 24);
		} else {
			w->int64(r.id[i]);
			w->float64(r.ra[i]);
			w->float64(r.dec[i]);
			w->float32(r.mag[i]);
		}
		w->string(r.name[i]);
		w->end_row();
	}
	w->finish(formats::EndStatus::Ok);
	return sink.bytes;
}

struct CountingConsumer final : votable::VOTableConsumer {
	std::unique_ptr<votable::CopyTextConverter> copy;
	bool convert = false;
	std::string out;
	std::uint64_t rows = 0, copy_bytes = 0;
	void on_schema(const votable::TableSchema& s) override {
		if (convert) copy = std::make_unique<votable::CopyTextConverter>(s);
	}
	void on_rows(const votable::RowBatch& b) override {
		rows += b.rows();
		if (copy) {
			out.clear();
			copy->append(b, out);
			copy_bytes += out.size();
		}
	}
};

} // namespace

int main(int argc, char** argv) {
	std::size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000000;
	Rows rows(n);
	std::printf(
	    "rows: %zu of (bigint, double, double, real, text of %zu chars); best of 3 runs, one core\n\n", n,
	    rows.name[0].size());

	// Floor: the values as big-endian bytes into a buffer that is reused (a null sink).
	std::uint64_t floor_bytes = 0;
	std::vector<char> buf(1 << 16);
	double floor = best_of_3([&] {
		std::size_t pos = 0;
		floor_bytes = 0;
		const char* be = rows.be.data();
		for (std::size_t i = 0; i < n; ++i, be += 28) {
			const std::string& s = rows.name[i];
			if (pos + 32 + s.size() > buf.size()) pos = 0;
			std::memcpy(buf.data() + pos, be, 28);
			std::memcpy(buf.data() + pos + 28, s.data(), s.size());
			pos += 28 + s.size();
			floor_bytes += 28 + s.size();
		}
	});
	report("floor (memcpy of binary values)", n, floor_bytes, floor, floor);

	struct Enc {
		const char* name;
		formats::OutputFormat fmt;
		bool raw;
	};
	const Enc encs[] = {
	    {"encode BINARY2 (typed calls)", formats::OutputFormat::VOTableBinary2, false},
	    {"encode BINARY2 (raw_be entry)", formats::OutputFormat::VOTableBinary2, true},
	    {"encode BINARY (typed calls)", formats::OutputFormat::VOTableBinary, false},
	    {"encode TABLEDATA", formats::OutputFormat::VOTableTabledata, false},
	    {"encode CSV", formats::OutputFormat::Csv, false},
	    {"encode TSV", formats::OutputFormat::Tsv, false},
	    {"encode JSON", formats::OutputFormat::Json, false},
	};
	for (auto& e : encs) {
		std::uint64_t bytes = 0;
		double t = best_of_3([&] { bytes = encode(e.fmt, rows, e.raw); });
		report(e.name, n, bytes, t, floor);
	}

	// Decoding: the BINARY2 document, fed in 64 kB pieces as a network upload would arrive.
	StringSink doc_sink;
	{
		votable::VOTableOptions o;
		auto w = votable::make_votable_writer(doc_sink, o);
		w->begin(header());
		for (std::size_t i = 0; i < n; ++i) {
			w->begin_row();
			w->int64(rows.id[i]);
			w->float64(rows.ra[i]);
			w->float64(rows.dec[i]);
			w->float32(rows.mag[i]);
			w->string(rows.name[i]);
			w->end_row();
		}
		w->finish(formats::EndStatus::Ok);
	}
	const std::string& doc = doc_sink.str();
	std::printf("\n");
	for (bool convert : {false, true}) {
		std::uint64_t got = 0, copy_bytes = 0;
		double t = best_of_3([&] {
			CountingConsumer c;
			c.convert = convert;
			votable::VOTableReader r(c);
			for (std::size_t i = 0; i < doc.size(); i += 1 << 16)
				r.feed(std::string_view(doc).substr(i, 1 << 16));
			r.finish();
			got = c.rows;
			copy_bytes = c.copy_bytes;
		});
		if (got != n) {
			std::fprintf(stderr, "decoded %llu rows, expected %zu\n", static_cast<unsigned long long>(got),
			             n);
			return 1;
		}
		report(convert ? "decode BINARY2 + COPY text" : "decode BINARY2", n, doc.size(), t, floor);
		if (convert) std::printf("%-34s %.1f MB of COPY text\n", "", copy_bytes / 1e6);
	}
	return 0;
}
