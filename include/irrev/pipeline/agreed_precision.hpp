#pragma once
/// The attack's forward precision, made concrete once for every rank.
#include "irrev/attack/forward_settings.hpp"
#include "irrev/core/device.hpp"
#include "irrev/dist/communicator.hpp"

namespace irrev::pipeline {

/// `asked` as it is, or for Precision::automatic the fastest guarded precision on `device`,
/// decided on the first rank that computes (rank 1 of a multi-rank job, whose master computes
/// nothing) and sent to every rank: one precision per attack, whatever nodes the ranks run on
/// (the choice may come to depend on the processor).
/// Collective: every rank calls it.
attack::Precision agreed_precision(attack::Precision asked, const Device& device, const dist::Communicator& comm);

}  // namespace irrev::pipeline
