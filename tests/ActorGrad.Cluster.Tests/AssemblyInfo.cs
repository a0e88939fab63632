// Failure detectors judge by time: cluster tests run one at a time, so one test's load (10,000 fuzz
// connections, four processes starting) never makes another test's members look dead.
[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]
