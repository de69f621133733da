"""Training a model on a MIDI folder.

train       -- the training loop and its budget (train, TrainResult)
start       -- where a new model starts: the bundled model for a small folder, a pilot for a large one
run         -- one run's model, optimizer, data and state (TrainingRun, TrainError)
trainset    -- the split by file and the batches
progress    -- TrainProgress and a text progress bar
distributed -- torchrun / DistributedDataParallel
"""
