// row_writer.hpp — glue from the virtual TableWriter cell calls to a concrete row encoder.
//
// Each writer derives from RowWriter<Encoder>, creates its encoder in begin() and implements
// begin/end_row/finish; the cell calls here are one virtual dispatch followed by inlined
// encoder code.  Thread-safety: none.
#pragma once

#include "meles/core/formats/table_writer.hpp"

#include <memory>

namespace meles::formats {

template <typename Enc> class RowWriter : public TableWriter {
public:
	void begin_row() override { enc_->begin_row(); }
	void null() override { enc_->null(); }
	void boolean(bool v) override { enc_->boolean(v); }
	void int16(std::int16_t v) override { enc_->int64(v); }
	void int32(std::int32_t v) override { enc_->int64(v); }
	void int64(std::int64_t v) override { enc_->int64(v); }
	void float32(float v) override { enc_->float32(v); }
	void float64(double v) override { enc_->float64(v); }
	void string(std::string_view v) override { enc_->string(v); }
	void timestamp(std::int64_t us) override { enc_->timestamp(us); }
	void date(std::int32_t d) override { enc_->date(d); }
	void array(std::span<const std::uint8_t> v) override { enc_->array(v); }
	void array(std::span<const std::int16_t> v) override { enc_->array(v); }
	void array(std::span<const std::int32_t> v) override { enc_->array(v); }
	void array(std::span<const std::int64_t> v) override { enc_->array(v); }
	void array(std::span<const float> v) override { enc_->array(v); }
	void array(std::span<const double> v) override { enc_->array(v); }
	std::uint64_t rows() const override { return rows_; }

protected:
	std::unique_ptr<Enc> enc_;
	std::uint64_t rows_ = 0;
};

} // namespace meles::formats
