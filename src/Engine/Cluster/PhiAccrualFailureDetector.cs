namespace ActorGrad.Engine.Cluster;

/// <summary>
/// Hayashibara's phi-accrual failure detector, as Akka.Cluster uses it: phi grows with the time since
/// the last heartbeat measured against the distribution of past inter-arrival times (normal, with a
/// floor on the deviation and the acceptable pause added to the mean). Not thread-safe.
/// </summary>
public sealed class PhiAccrualFailureDetector
{
    private readonly Queue<double> _intervals = new();
    private readonly int _maxSamples;
    private readonly double _minStdDevMs;
    private readonly double _pauseMs;
    private double _sum, _sumSquares;
    private long? _lastMs;

    public PhiAccrualFailureDetector(TimeSpan firstHeartbeatEstimate, TimeSpan minStdDeviation, TimeSpan acceptablePause, int maxSamples = 1000)
    {
        if (firstHeartbeatEstimate <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(firstHeartbeatEstimate));
        _maxSamples = maxSamples;
        _minStdDevMs = minStdDeviation.TotalMilliseconds;
        _pauseMs = acceptablePause.TotalMilliseconds;
        // Seed with two samples around the estimate, as Akka does, so the first heartbeat has a distribution.
        var mean = firstHeartbeatEstimate.TotalMilliseconds;
        var std = mean / 4;
        Add(mean - std);
        Add(mean + std);
    }

    public bool IsMonitoring => _lastMs is not null;

    public void HeartbeatArrived(long nowMs)
    {
        if (_lastMs is { } last && nowMs >= last) Add(nowMs - last);
        _lastMs = nowMs;
    }

    /// <summary>Suspicion level at <paramref name="nowMs"/>; 0 before the first heartbeat.</summary>
    public double Phi(long nowMs)
    {
        if (_lastMs is not { } last) return 0;
        var elapsed = nowMs - last;
        var mean = _sum / _intervals.Count + _pauseMs;
        var variance = _sumSquares / _intervals.Count - (_sum / _intervals.Count) * (_sum / _intervals.Count);
        var std = Math.Max(Math.Sqrt(Math.Max(variance, 0)), _minStdDevMs);
        // Logistic approximation of the normal CDF's tail (Akka's formula).
        var y = (elapsed - mean) / std;
        var e = Math.Exp(-y * (1.5976 + 0.070566 * y * y));
        return elapsed > mean ? -Math.Log10(e / (1.0 + e)) : -Math.Log10(1.0 - 1.0 / (1.0 + e));
    }

    public bool IsAvailable(long nowMs, double threshold) => Phi(nowMs) < threshold;

    private void Add(double intervalMs)
    {
        _intervals.Enqueue(intervalMs);
        _sum += intervalMs;
        _sumSquares += intervalMs * intervalMs;
        if (_intervals.Count > _maxSamples)
        {
            var old = _intervals.Dequeue();
            _sum -= old;
            _sumSquares -= old * old;
        }
    }
}
