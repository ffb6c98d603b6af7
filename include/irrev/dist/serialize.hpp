#pragma once
/// Boost.Serialization to and from byte strings: what ranks send each other.
#include <boost/archive/basic_archive.hpp>
#include <boost/archive/binary_iarchive.hpp>
#include <boost/archive/binary_oarchive.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/utility.hpp>
#include <boost/serialization/vector.hpp>
#include <climits>
#include <sstream>
#include <string>

namespace irrev::dist {

template <class T>
std::string to_bytes(const T& value) {
  std::ostringstream os(std::ios::binary);
  {
    boost::archive::binary_oarchive ar(os, boost::archive::no_header);
    ar << value;
  }
  return std::move(os).str();
}

/// What the bytes of to_bytes() depend on beyond the value: the archives carry no header, so a
/// file that keeps them (a checkpoint) records this and is read back only by a build that gives
/// the same ("boost binary archive 19, little-endian, int 4, long 8, float 4, double 8").
inline std::string archive_format() {
  const unsigned one = 1;
  const bool little = *reinterpret_cast<const unsigned char*>(&one) == 1;
  std::ostringstream os;
  os << "boost binary archive " << boost::archive::BOOST_ARCHIVE_VERSION() << ", " << (little ? "little" : "big")
     << "-endian, int " << sizeof(int) << ", long " << sizeof(long) << ", float " << sizeof(float) << ", double "
     << sizeof(double) << ", char bits " << CHAR_BIT;
  return os.str();
}

template <class T>
T from_bytes(const std::string& bytes) {
  std::istringstream is(bytes, std::ios::binary);
  boost::archive::binary_iarchive ar(is, boost::archive::no_header);
  T value;
  ar >> value;
  return value;
}

}  // namespace irrev::dist
