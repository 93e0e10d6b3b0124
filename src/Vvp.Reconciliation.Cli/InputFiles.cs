using System.Text.Json.Nodes;

namespace Vvp.Reconciliation.Cli;

/// <summary>Reads files for the commands; failures to open become <see cref="FileError"/>.</summary>
internal static class InputFiles
{
    public static byte[] ReadBytes(string path)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                throw new FileError($"{path}: no such file.");
            }

            // Read at most one byte past the limit: the reader reports the size error itself.
            var limit = ResourceReaderOptions.Default.MaxBytes + 1L;
            using var stream = info.OpenRead();
            var buffer = new byte[Math.Min(info.Length, limit)];
            stream.ReadExactly(buffer);
            return buffer;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new FileError($"{path}: {ex.Message}");
        }
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
}
