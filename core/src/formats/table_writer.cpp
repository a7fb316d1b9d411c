#include "meles/core/formats/table_writer.hpp"

#include "formats/binary_rows.hpp"

#include <bit>

namespace meles::formats {

void TableWriter::raw_be(RawType type, const char* bytes) {
	switch (type) {
	case RawType::Int16:
		int16(static_cast<std::int16_t>(load_be16(bytes)));
		break;
	case RawType::Int32:
		int32(static_cast<std::int32_t>(load_be32(bytes)));
		break;
	case RawType::Int64:
		int64(static_cast<std::int64_t>(load_be64(bytes)));
		break;
	case RawType::Float32:
		float32(std::bit_cast<float>(load_be32(bytes)));
		break;
	case RawType::Float64:
		float64(std::bit_cast<double>(load_be64(bytes)));
		break;
	}
}

} // namespace meles::formats
