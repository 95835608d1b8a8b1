namespace BuildFarm.Benchmarks;

/// <summary>A tiny deterministic generator: the tree must not depend on the runtime's Random.</summary>
internal sealed class XorShift(ulong seed)
{
    private ulong _state = seed;

    public int Next(int bound) => (int)(NextUInt64() % (ulong)bound);

    public void Fill(Span<byte> span)
    {
        for (var i = 0; i + 8 <= span.Length; i += 8)
        {
            BitConverter.TryWriteBytes(span[i..], NextUInt64());
        }

        for (var i = span.Length & ~7; i < span.Length; i++)
        {
            span[i] = (byte)NextUInt64();
        }
    }

    private ulong NextUInt64()
    {
        _state ^= _state << 13;
        _state ^= _state >> 7;
        _state ^= _state << 17;
        return _state;
    }
}
