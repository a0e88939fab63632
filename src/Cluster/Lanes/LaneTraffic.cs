using ActorGrad.Cluster.Metrics;

namespace ActorGrad.Cluster.Lanes;

/// <summary>
/// Bytes and frames a lane wrote and read (prefix, header and payload: what crossed its sockets, before TLS), for
/// benchmarks and diagnostics, and the process-wide lane counters of <see cref="ClusterMetrics"/>. Lock-free: one
/// Interlocked add per frame on the writing or reading loop (the metrics' adds cost nothing while no one listens).
/// </summary>
internal sealed class LaneTraffic
{
    private long _bytesSent, _messagesSent, _bytesReceived, _messagesReceived, _ringBytesSent;

    public long BytesSent => Interlocked.Read(ref _bytesSent);
    public long MessagesSent => Interlocked.Read(ref _messagesSent);
    public long BytesReceived => Interlocked.Read(ref _bytesReceived);
    public long MessagesReceived => Interlocked.Read(ref _messagesReceived);

    /// <summary>Of <see cref="BytesSent"/>, the payload bytes that went through shared-memory rings instead of sockets.</summary>
    public long RingBytesSent => Interlocked.Read(ref _ringBytesSent);

    public void Sent(long bytes, long throughRing)
    {
        Interlocked.Add(ref _bytesSent, bytes);
        if (throughRing != 0) Interlocked.Add(ref _ringBytesSent, throughRing);
        Interlocked.Increment(ref _messagesSent);
        ClusterMetrics.LaneBytesSent.Add(bytes);
        ClusterMetrics.LaneMessagesSent.Add(1);
    }

    public void Received(long bytes)
    {
        Interlocked.Add(ref _bytesReceived, bytes);
        Interlocked.Increment(ref _messagesReceived);
        ClusterMetrics.LaneBytesReceived.Add(bytes);
        ClusterMetrics.LaneMessagesReceived.Add(1);
    }
}
