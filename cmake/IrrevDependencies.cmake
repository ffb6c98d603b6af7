# Third-party dependencies. Two ways to get each:
#  - installed packages (scripts/setup.sh on Debian), found with find_package;
#  - IRREV_DEPS_DIR, for a machine that lacks them (the lent GPU machine: no OpenCV, no compiled
#    Boost, none of the header-only libraries; a cluster without root): include/ holds the
#    header-only libraries and, where they are there, OpenSSL's and Boost's headers (else the
#    machine's are used), boost_serialization/ the Boost.Serialization sources, compiled here.
#    scripts/deps_from_debian.sh fills it from Debian's packages, scripts/build_cluster.sh from
#    pinned release archives.

set(IRREV_DEPS_DIR "" CACHE PATH "Carried dependencies (scripts/device/bundle.sh); empty: installed packages")

find_package(MPI REQUIRED COMPONENTS CXX)
find_package(Torch REQUIRED)
find_package(HDF5 REQUIRED COMPONENTS C)

# Torch's CMake config says whether this LibTorch has CUDA; CUDA-only code paths (CUDA graphs,
# streams) are compiled only then.
if(TARGET torch_cuda OR TORCH_CUDA_LIBRARIES)
  set(IRREV_TORCH_CUDA ON)
else()
  set(IRREV_TORCH_CUDA OFF)
endif()
message(STATUS "irrev: LibTorch ${Torch_VERSION}, CUDA paths ${IRREV_TORCH_CUDA}")

# Options default to whether the package is there (an empty *_FOUND is OFF).
find_package(OpenCV QUIET COMPONENTS core imgproc imgcodecs dnn calib3d ml)
option(IRREV_WITH_OPENCV "Image stages (ingest, gender SVM, PNG grids); without it they refuse with a message"
       ${OpenCV_FOUND})
if(IRREV_WITH_OPENCV AND NOT OpenCV_FOUND)
  find_package(OpenCV REQUIRED COMPONENTS core imgproc imgcodecs dnn calib3d ml)
endif()

if(IRREV_DEPS_DIR)
  set(_inc "${IRREV_DEPS_DIR}/include")
  foreach(h fmt/format.h spdlog/spdlog.h nlohmann/json.hpp toml++/toml.h CLI/CLI.hpp)
    if(NOT EXISTS "${_inc}/${h}")
      message(FATAL_ERROR "IRREV_DEPS_DIR: '${_inc}/${h}' is missing; run scripts/deps_from_debian.sh "
                          "or scripts/build_cluster.sh")
    endif()
  endforeach()
  add_library(irrev_fmt INTERFACE)
  target_include_directories(irrev_fmt SYSTEM INTERFACE "${_inc}")
  target_compile_definitions(irrev_fmt INTERFACE FMT_HEADER_ONLY)
  add_library(fmt::fmt ALIAS irrev_fmt)
  add_library(irrev_spdlog INTERFACE)
  target_compile_definitions(irrev_spdlog INTERFACE SPDLOG_FMT_EXTERNAL SPDLOG_HEADER_ONLY)
  target_link_libraries(irrev_spdlog INTERFACE irrev_fmt)
  add_library(spdlog::spdlog ALIAS irrev_spdlog)
  foreach(t nlohmann_json::nlohmann_json tomlplusplus::tomlplusplus CLI11::CLI11)
    string(MAKE_C_IDENTIFIER "${t}" _id)
    add_library(irrev_${_id} INTERFACE)
    target_include_directories(irrev_${_id} SYSTEM INTERFACE "${_inc}")
    add_library(${t} ALIAS irrev_${_id})
  endforeach()
  if(EXISTS "${_inc}/openssl/evp.h")
    # OpenSSL's libcrypto is part of every Linux base system; only its headers travel.
    find_library(IRREV_LIBCRYPTO NAMES crypto libcrypto.so.3 REQUIRED)
    add_library(irrev_crypto INTERFACE)
    target_include_directories(irrev_crypto SYSTEM INTERFACE "${_inc}")
    target_link_libraries(irrev_crypto INTERFACE "${IRREV_LIBCRYPTO}")
    add_library(OpenSSL::Crypto ALIAS irrev_crypto)
  else()
    find_package(OpenSSL REQUIRED COMPONENTS Crypto)
  endif()
  # Boost.Serialization compiled from its sources against Boost's headers: the folder's own (the
  # sources' version), else the installation's BoostConfig.cmake (CMake 4 has no FindBoost), else
  # the bare headers.
  if(EXISTS "${_inc}/boost/version.hpp")
    add_library(Boost::headers INTERFACE IMPORTED)
    target_include_directories(Boost::headers SYSTEM INTERFACE "${_inc}")
  else()
    find_package(Boost QUIET)
  endif()
  if(NOT TARGET Boost::headers)
    find_path(IRREV_BOOST_INCLUDE boost/version.hpp REQUIRED)
    add_library(Boost::headers INTERFACE IMPORTED)
    target_include_directories(Boost::headers INTERFACE "${IRREV_BOOST_INCLUDE}")
  endif()
  file(GLOB _bs "${IRREV_DEPS_DIR}/boost_serialization/*.cpp")
  if(NOT _bs)
    message(FATAL_ERROR "IRREV_DEPS_DIR: no Boost.Serialization sources in '${IRREV_DEPS_DIR}/boost_serialization'")
  endif()
  # Shared: one copy of its type registry for all the engine's layers.
  # (Each source defines the BOOST_*_SOURCE macro it needs itself.)
  add_library(irrev_boost_serialization SHARED ${_bs})
  target_link_libraries(irrev_boost_serialization PUBLIC Boost::headers)
  set_target_properties(irrev_boost_serialization PROPERTIES POSITION_INDEPENDENT_CODE ON)
  add_library(Boost::serialization ALIAS irrev_boost_serialization)
else()
  find_package(Boost REQUIRED COMPONENTS serialization)
  find_package(fmt REQUIRED)
  find_package(spdlog REQUIRED)
  find_package(nlohmann_json REQUIRED)
  find_package(tomlplusplus REQUIRED)
  find_package(OpenSSL REQUIRED)
  find_package(CLI11 QUIET)
  if(NOT CLI11_FOUND)
    find_path(CLI11_INCLUDE_DIR CLI/CLI.hpp REQUIRED)
    add_library(CLI11::CLI11 INTERFACE IMPORTED)
    target_include_directories(CLI11::CLI11 INTERFACE ${CLI11_INCLUDE_DIR})
  endif()
endif()

find_package(ONNX QUIET)
option(IRREV_ENABLE_ONNX "Build the ONNX importer (needs Debian's libonnx-dev)" ${ONNX_FOUND})
if(IRREV_ENABLE_ONNX AND NOT ONNX_FOUND)
  find_package(ONNX REQUIRED)
endif()
