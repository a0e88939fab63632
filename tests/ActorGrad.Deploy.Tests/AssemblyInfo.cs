// One test at a time: the metrics tests read process-wide counters, and the cluster tests each start several
// processes on a 2-core machine.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
