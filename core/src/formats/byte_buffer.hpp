// byte_buffer.hpp — the growable output buffer every encoder formats into.
//
// Writers reserve room, write with raw pointers (std::to_chars, memcpy) and hand whole rows to
// the ByteSink in large blocks, so the sink sees few big writes and no per-cell calls.
// Thread-safety: none (owned by one writer).
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>

namespace meles::formats {

class ByteBuffer {
public:
	explicit ByteBuffer(std::size_t initial = 1 << 16) : data_(new char[initial]), cap_(initial) {}

	// Room for n more bytes; returns where to write them (then commit()).
	char* ensure(std::size_t n) {
		if (cap_ - size_ < n) grow(n);
		return data_.get() + size_;
	}
	void commit(std::size_t n) { size_ += n; }

	void put(char c) {
		if (size_ == cap_) grow(1);
		data_[size_++] = c;
	}
	void append(std::string_view s) {
		std::memcpy(ensure(s.size()), s.data(), s.size());
		size_ += s.size();
	}
	void append(const void* p, std::size_t n) {
		std::memcpy(ensure(n), p, n);
		size_ += n;
	}
	// Appends n zero bytes.
	void zeros(std::size_t n) {
		std::memset(ensure(n), 0, n);
		size_ += n;
	}

	char* data() { return data_.get(); }
	const char* data() const { return data_.get(); }
	std::size_t size() const { return size_; }
	std::string_view view() const { return {data_.get(), size_}; }
	void truncate(std::size_t n) { size_ = n; }
	void clear() { size_ = 0; }
	// Drops the first n bytes, keeping the rest.
	void consume(std::size_t n) {
		std::memmove(data_.get(), data_.get() + n, size_ - n);
		size_ -= n;
	}

private:
	void grow(std::size_t n) {
		std::size_t cap = cap_ * 2;
		while (cap - size_ < n)
			cap *= 2;
		std::unique_ptr<char[]> d(new char[cap]);
		std::memcpy(d.get(), data_.get(), size_);
		data_ = std::move(d);
		cap_ = cap;
	}

	std::unique_ptr<char[]> data_;
	std::size_t cap_;
	std::size_t size_ = 0;
};

} // namespace meles::formats
