// meles/core/common/byte_sink.hpp — where streamed output goes.
//
// Encoders (VOTable, CSV, FITS, ...) write into a ByteSink; the HTTP layer provides one
// that hands buffers to the connection (chunked transfer), async jobs one that writes a
// file.  write() may block for backpressure and throws meles::Error(Io) when the reader
// went away, which is how a disconnecting client stops a running query.
// Thread-safety: a sink is used by one thread at a time.
#pragma once

#include <string>
#include <string_view>

namespace meles {

class ByteSink {
public:
	virtual ~ByteSink() = default;
	virtual void write(std::string_view data) = 0;
	// Pushes buffered bytes towards the reader (e.g. so the first rows go out early).
	virtual void flush() {}
};

// Collects everything in memory; for tests and small documents.
class StringSink final : public ByteSink {
public:
	void write(std::string_view data) override { out_.append(data); }
	const std::string& str() const { return out_; }
	std::string take() { return std::move(out_); }

private:
	std::string out_;
};

} // namespace meles
