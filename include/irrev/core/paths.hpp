#pragma once
/// Checks of the paths a command will read and write, made before any work: a missing input
/// or an output that cannot be written is refused at once, not after hours of computing.
#include <string>

namespace irrev {

/// `path` is an existing regular file (an InputError naming `what` and the path otherwise).
void require_input_file(const std::string& path, const std::string& what);
/// `path` is an existing folder.
void require_input_folder(const std::string& path, const std::string& what);
/// `path` can be written as a file: not a folder, and its folder exists (or can be made) and
/// is writable.
void require_output_file(const std::string& path, const std::string& what);
/// `path` is, or can be made, a writable folder.
void require_output_folder(const std::string& path, const std::string& what);

}  // namespace irrev
