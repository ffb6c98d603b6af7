#pragma once
/// Small result files (summary.json, CSV tables, stage keys) written the way HDF5 results are:
/// to "<path>.tmp", flushed to disk, then renamed, so that a reader never sees half a file and a
/// full disk never replaces the last good one. A failure is a SystemError with the system's
/// reason (exit 3) and leaves no temporary behind.
#include <string>

namespace irrev {

/// Write `content` to `path` whole (see above); `what` names the file in errors ("run summary").
void write_text_file(const std::string& path, const std::string& content, const std::string& what = "file");

/// Flush a file or folder's data to disk (fsync): a rename is durable only once the data it
/// names and the folder that holds it are.
void sync_path(const std::string& path);

}  // namespace irrev
