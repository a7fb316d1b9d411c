// The reader's memory does not grow with the number of rows: a writer streams 1,000,000
// generated rows straight into the reader (no document is held anywhere), and the process's
// peak RSS (VmHWM, reset through /proc/self/clear_refs) must stay small and the same as for
// 100,000 rows.  No timing is measured.
#include "meles/core/common/byte_sink.hpp"
#include "meles/core/votable/votable_reader.hpp"
#include "meles/core/votable/votable_writer.hpp"
#include "unit/core/votable/sample_table.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <string>

using namespace meles;
using namespace meles::testing;

namespace {

long status_kb(const char* key) {
	std::ifstream f("/proc/self/status");
	std::string line;
	while (std::getline(f, line))
		if (line.rfind(key, 0) == 0) return std::stol(line.substr(std::string(key).size()));
	return -1;
}

bool reset_peak() {
	std::ofstream f("/proc/self/clear_refs");
	f << "5";
	f.flush();
	return static_cast<bool>(f);
}

// Hands everything the writer produces to the reader at once: the pipe between them.
struct PipeSink : ByteSink {
	votable::VOTableReader& reader;
	std::uint64_t bytes = 0;
	explicit PipeSink(votable::VOTableReader& r) : reader(r) {}
	void write(std::string_view data) override {
		bytes += data.size();
		reader.feed(data);
	}
};

struct Counter : votable::VOTableConsumer {
	std::uint64_t rows = 0;
	std::int64_t id_sum = 0;
	std::size_t text_bytes = 0;
	void on_schema(const votable::TableSchema&) override {}
	void on_rows(const votable::RowBatch& b) override {
		for (std::size_t r = 0; r < b.rows(); ++r) {
			id_sum += b.get_int(r, 0);
			text_bytes += b.get_text(r, 4).size();
		}
		rows += b.rows();
	}
};

struct Result {
	long peak_growth_kb;
	std::uint64_t rows;
	std::int64_t id_sum;
	std::uint64_t bytes;
};

Result stream_rows(votable::Serialization ser, std::int64_t n) {
	Counter counter;
	votable::VOTableReader reader(counter);
	PipeSink pipe(reader);
	votable::VOTableOptions o;
	o.serialization = ser;
	auto w = votable::make_votable_writer(pipe, o);
	formats::TableHeader h;
	h.columns = {col("id", "bigint"), col("ra", "double precision"), col("dec", "double precision"),
	             col("mag", "real"), col("name", "text")};
	REQUIRE(reset_peak());
	long base = status_kb("VmRSS:");
	w->begin(h);
	char name[32];
	for (std::int64_t i = 0; i < n; ++i) {
		w->begin_row();
		w->int64(i);
		w->float64(static_cast<double>(i % 36000) / 100);
		w->float64(static_cast<double>(i % 18000) / 100 - 90);
		w->float32(static_cast<float>(i % 2000) / 100);
		std::snprintf(name, sizeof name, "source %012lld", static_cast<long long>(i));
		w->string(name);
		w->end_row();
	}
	w->finish(formats::EndStatus::Ok);
	reader.finish();
	return {status_kb("VmHWM:") - base, counter.rows, counter.id_sum, pipe.bytes};
}

void check_flat(votable::Serialization ser) {
	auto small = stream_rows(ser, 100'000);
	auto large = stream_rows(ser, 1'000'000);
	CHECK(large.rows == 1'000'000);
	CHECK(large.id_sum == 999'999LL * 1'000'000 / 2);
	MESSAGE("peak RSS growth: 1e5 rows " << small.peak_growth_kb << " kB, 1e6 rows " << large.peak_growth_kb
	                                     << " kB; document " << large.bytes / 1000000 << " MB");
	CHECK(large.bytes > 40'000'000);                           // the document really is large...
	CHECK(large.peak_growth_kb < 16 * 1024);                   // ...but memory is a few batches
	CHECK(large.peak_growth_kb < small.peak_growth_kb + 2048); // and does not grow with the rows
}

} // namespace

TEST_CASE("Reader memory stays flat over 1e6 BINARY2 rows") {
	check_flat(votable::Serialization::Binary2);
}
TEST_CASE("Reader memory stays flat over 1e6 TABLEDATA rows") {
	check_flat(votable::Serialization::Tabledata);
}
