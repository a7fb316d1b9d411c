// rd/src/limits/stats_collector.hpp — a TableWriter that summarises the rows streamed into it
// instead of writing them: per column the non-NULL count, minimum and maximum, the values
// percentiles need, value frequencies of enumerated columns, and the HEALPix cells of one
// position pair.  `meles limits` feeds it from pg::stream_query (COPY binary).
// Thread-safety: one thread.
#pragma once

#include "meles/core/formats/table_writer.hpp"
#include "meles/core/moc/moc.hpp"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace meles::rd::limits {

// What to gather for one streamed column.
struct CollectSpec {
	enum class Kind : uint8_t { Integer, Float32, Float64, Text, Timestamp, Date, NotNull };
	Kind kind = Kind::NotNull;
	bool percentiles = false; // keep the values (numbers only)
	bool enumerate = false;   // count value frequencies (text only)
	bool text_order = true;   // byte order is the database's order for text (C collation)
};

struct ColumnSummary {
	uint64_t non_null = 0;
	bool has_minmax = false;
	// Integers exactly; floats with PostgreSQL's NaN rule (NaN sorts above everything).
	int64_t imin = 0, imax = 0;
	double dmin = 0, dmax = 0;
	std::string smin, smax;
	std::vector<double> values; // when percentiles are wanted
	std::map<std::string, uint64_t> frequencies;
	bool too_many_values = false;
};

class StatsCollector final : public formats::TableWriter {
public:
	// `position`: indices of the (ra, dec) columns in degrees whose cells to collect, or none.
	// `expected_rows` reserves room for the values (growing a vector of a million doubles
	// step by step costs more than the selection itself).
	StatsCollector(std::vector<CollectSpec> specs, std::optional<std::pair<size_t, size_t>> position,
	               int moc_order, size_t expected_rows = 0);

	void begin(const formats::TableHeader&) override {}
	void begin_row() override;
	void end_row() override;
	void null() override;
	void boolean(bool) override { mark(); }
	void int16(int16_t v) override { integer(v); }
	void int32(int32_t v) override { integer(v); }
	void int64(int64_t v) override { integer(v); }
	void float32(float v) override;
	void float64(double v) override;
	void string(std::string_view v) override;
	void timestamp(int64_t micros) override { integer(micros); }
	void date(int32_t days) override { integer(days); }
	void array(std::span<const uint8_t>) override { mark(); }
	void array(std::span<const int16_t>) override { mark(); }
	void array(std::span<const int32_t>) override { mark(); }
	void array(std::span<const int64_t>) override { mark(); }
	void array(std::span<const float>) override { mark(); }
	void array(std::span<const double>) override { mark(); }
	void finish(formats::EndStatus, std::string_view) override {}
	void flush() override {}
	uint64_t rows() const override { return rows_; }

	const ColumnSummary& summary(size_t i) const { return summaries_[i]; }
	ColumnSummary& summary(size_t i) { return summaries_[i]; }
	const CollectSpec& spec(size_t i) const { return specs_[i]; }
	std::optional<moc::Moc> moc() const;
	// Adds what another collector of the same columns saw (rows streamed in parallel).
	void merge(StatsCollector&& other);

	// Largest number of distinct values counted for an enumerated column.
	static constexpr size_t kMaxDistinct = 10000;

private:
	void mark();
	void integer(int64_t v);
	void floating(double v);
	ColumnSummary& current();
	std::vector<CollectSpec> specs_;
	std::vector<ColumnSummary> summaries_;
	size_t col_ = 0;
	uint64_t rows_ = 0;
	std::optional<std::pair<size_t, size_t>> position_;
	double ra_ = 0, dec_ = 0;
	bool ra_set_ = false, dec_set_ = false;
	std::unique_ptr<moc::PointCoverage> cells_;
	std::optional<moc::Moc> merged_moc_;
};

// PostgreSQL's percentile_cont(p) for each p of `ps` (ascending) over `values` (NaN sorting
// last, as PostgreSQL orders floats); reorders `values`.  Empty for an empty vector.
std::vector<double> percentiles_cont(std::vector<double>& values, const std::vector<double>& ps);

} // namespace meles::rd::limits
