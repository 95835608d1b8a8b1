using System.Collections.Concurrent;

namespace BuildFarm.Execution.Internal;

/// <summary>
/// Remembered results that a long-running silo must not accumulate without end: at most
/// <c>capacity</c> entries, and when a new one would pass that, everything is forgotten at once.
/// Crude next to an LRU, but it bounds memory with no bookkeeping per lookup, and what it holds
/// can always be computed again.
/// </summary>
internal sealed class BoundedMemo<TKey, TValue>(int capacity)
    where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, TValue> _entries = new();

    public int Count => _entries.Count;

    public bool TryGetValue(TKey key, out TValue value) => _entries.TryGetValue(key, out value!);

    public void Set(TKey key, TValue value)
    {
        if (_entries.Count >= capacity && !_entries.ContainsKey(key))
        {
            _entries.Clear();
        }

        _entries[key] = value;
    }
}
