"""Training a model on a MIDI folder.

train       -- the training loop and its budget (train, TrainResult, TrainError)
run         -- one run's model, optimizer, data and state (TrainingRun)
trainset    -- the split by file and the batches
progress    -- TrainProgress and a text progress bar
distributed -- torchrun / DistributedDataParallel
"""
