#pragma once
/// SIGTERM and SIGUSR1 as a polite stop: the handler only records the signal; the master of a
/// work queue sees it between units, stops handing out work, collects what is in flight,
/// checkpoints and ends the job as resumable (SLURM's --signal and scancel --signal use these).
namespace irrev::dist {

/// Install the handlers (every rank: a worker must not die of SIGUSR1's default action).
void install_stop_handlers();
/// The signal number received since install_stop_handlers(), or 0.
int stop_signal();

}  // namespace irrev::dist
