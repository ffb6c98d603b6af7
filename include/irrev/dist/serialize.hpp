#pragma once
/// Boost.Serialization to and from byte strings: what ranks send each other.
#include <boost/archive/binary_iarchive.hpp>
#include <boost/archive/binary_oarchive.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/utility.hpp>
#include <boost/serialization/vector.hpp>
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

template <class T>
T from_bytes(const std::string& bytes) {
  std::istringstream is(bytes, std::ios::binary);
  boost::archive::binary_iarchive ar(is, boost::archive::no_header);
  T value;
  ar >> value;
  return value;
}

}  // namespace irrev::dist
