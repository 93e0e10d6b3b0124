using System.Text.Json.Nodes;
using Vvp.Reconciliation.Resources;

namespace Vvp.Reconciliation.Cli;

/// <summary>Reads files for the commands; failures to open become <see cref="FileError"/>.</summary>
internal static class InputFiles
{
    /// <summary>How long a read may wait for data before it is given up: a named pipe with no writer never ends.</summary>
    public static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Reads a file to its end, whatever its kind (a regular file, a pipe, a <c>/proc</c> file whose length says 0),
    /// at most one byte past <paramref name="limit"/> (the reader reports the size error itself).
    /// </summary>
    public static byte[] ReadBytes(string path, long? limit = null, TimeSpan? wait = null, string? shownAs = null)
    {
        var name = shownAs ?? path;
        if (Directory.Exists(path))
        {
            throw new FileError($"{name}: is a folder, not a file.");
        }

        if (!File.Exists(path))
        {
            throw new FileError($"{name}: no such file.");
        }

        var max = (limit ?? ResourceReaderOptions.Default.MaxBytes) + 1L;
        var read = Task.Run(() => ReadToEnd(path, max));
        try
        {
            if (!read.Wait(wait ?? DefaultWait))
            {
                throw new FileError($"{name}: nothing could be read within {(wait ?? DefaultWait).TotalSeconds:0.#} s (a named pipe with no writer?).");
            }

            return read.Result;
        }
        catch (AggregateException ex) when (ex.InnerException is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new FileError($"{name}: {ex.InnerException.Message}");
        }
    }

    private static byte[] ReadToEnd(string path, long max)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1);
        using var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        int read;
        while (buffer.Length < max && (read = stream.Read(chunk, 0, (int)Math.Min(chunk.Length, max - buffer.Length))) > 0)
        {
            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    /// <summary>Reads a live deployment file (JSON or YAML); anything but an object is a file error.</summary>
    public static JsonObject ReadLive(string path)
    {
        var read = ResourceReader.Read(ReadBytes(path));
        if (!read.IsSuccess)
        {
            throw new FileError($"{path}: {read.Errors[0]}");
        }

        return read.Document as JsonObject ?? throw new FileError($"{path}: a live deployment must be an object.");
    }

    /// <summary>An argument as it may be shown back: a plain word, or nothing (it may be a secret typed in the wrong place).</summary>
    public static string Shown(string argument) =>
        argument.Length is > 0 and <= 24 && argument.All(c => c is >= 'a' and <= 'z' or '-')
            ? $"'{argument}'"
            : "(not shown: an argument that is not a plain word may be a secret)";
}
