namespace SingleDarts.Search.Data;

/// <summary>A dataset that cannot be read as given; the message names the file and what is wrong.</summary>
public sealed class DataException(string message) : Exception(message);
