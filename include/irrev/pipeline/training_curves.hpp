#pragma once
/// The training's own plot: its curves, redrawn after every epoch.
#include <string>

namespace irrev::pipeline {

/// Training curves of an inverter: losses.csv (epoch,lr,train_loss,val_loss,...) -> PNG.
void plot_training_curves(const std::string& losses_csv, const std::string& png, const std::string& title);

}  // namespace irrev::pipeline
