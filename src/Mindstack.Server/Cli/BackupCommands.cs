using System.Diagnostics;
using System.IO.Compression;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Mindstack.Platform.Observability;
using Mindstack.Platform.Storage;
using Npgsql;

namespace Mindstack.Server.Cli;

/// <summary>
/// <c>backup --to FILE</c> and <c>restore --from FILE</c>: one zip holding a consistent snapshot of
/// the database (SQLite: <c>VACUUM INTO</c>, taken while the server writes; PostgreSQL:
/// <c>pg_dump</c>'s custom format) and the data folder's own files (the Data Protection master key,
/// media, the email outbox, connector files). Restore fills an empty data folder (and, on
/// PostgreSQL, an empty database with <c>pg_restore</c>).
/// </summary>
internal static class BackupCommands
{
    private const string Manifest = "mindstack-backup.json";
    private const string SqliteEntry = "mindstack.db";
    private const string PostgresEntry = "database.pgdump";
    private const string FilesPrefix = "data/";

    public static async Task<int> BackupAsync(CliContext context)
    {
        var database = context.Services.GetRequiredService<DatabaseSettings>();
        var target = Path.GetFullPath(context.Required("--to"));
        if (File.Exists(target))
        {
            throw new CliUsageException($"{target} exists; name a new file");
        }
        var work = Directory.CreateTempSubdirectory("mindstack-backup-");
        try
        {
            string databaseEntry;
            if (database.Provider == DatabaseProvider.Sqlite)
            {
                databaseEntry = SqliteEntry;
                var source = Path.Combine(database.DataDirectory, SqliteEntry);
                if (!File.Exists(source))
                {
                    throw new CliUsageException($"no database at {source}: is --data the server's data folder?");
                }
                await SnapshotSqliteAsync(database.ConnectionString, Path.Combine(work.FullName, SqliteEntry));
            }
            else
            {
                databaseEntry = PostgresEntry;
                if (!await RunPostgresToolAsync(context, "pg_dump", database.ConnectionString,
                    ["--format=custom", "--no-owner", "--file", Path.Combine(work.FullName, PostgresEntry)]))
                {
                    await context.Error.WriteLineAsync(
                        "pg_dump is not installed (Debian: apt-get install postgresql-client). Without it, dump the database yourself " +
                        "(pg_dump --format=custom --no-owner --file database.pgdump \"<the Mindstack:Database connection>\") " +
                        $"and keep it with a copy of the data folder {database.DataDirectory} (its data-protection.key above all).");
                    return 1;
                }
            }

            var partial = target + ".partial";
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            var files = 0;
            await using (var zipStream = File.Create(partial))
            await using (var zip = new ZipArchive(zipStream, ZipArchiveMode.Create))
            {
                await zip.CreateEntryFromFileAsync(Path.Combine(work.FullName, databaseEntry), databaseEntry, CompressionLevel.Optimal);
                foreach (var file in DataFiles(database.DataDirectory))
                {
                    var relative = Path.GetRelativePath(database.DataDirectory, file).Replace(Path.DirectorySeparatorChar, '/');
                    await zip.CreateEntryFromFileAsync(file, FilesPrefix + relative, CompressionLevel.Fastest);
                    files++;
                }
                var manifest = zip.CreateEntry(Manifest);
                await using var writer = await manifest.OpenAsync();
                await JsonSerializer.SerializeAsync(writer, new BackupManifest(
                    database.Provider.ToString().ToLowerInvariant(), HealthService.Version, DateTime.UtcNow, databaseEntry, files));
            }
            File.Move(partial, target);
            context.Output.WriteLine($"backed up the {database.Provider} database and {files} file(s) of {database.DataDirectory}");
            context.Output.WriteLine(target);
            return 0;
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    public static async Task<int> RestoreAsync(CliContext context)
    {
        var database = context.Services.GetRequiredService<DatabaseSettings>();
        var source = Path.GetFullPath(context.Required("--from"));
        if (!File.Exists(source))
        {
            throw new CliUsageException($"no backup at {source}");
        }
        if (Directory.Exists(database.DataDirectory) && Directory.EnumerateFileSystemEntries(database.DataDirectory).Any())
        {
            throw new CliUsageException($"the data folder {database.DataDirectory} is not empty: restore into an empty folder (--data)");
        }
        await using var zipStream = File.OpenRead(source);
        await using var zip = new ZipArchive(zipStream, ZipArchiveMode.Read);
        BackupManifest? manifest;
        try
        {
            await using var manifestStream = await (zip.GetEntry(Manifest) ?? throw new InvalidDataException()).OpenAsync();
            manifest = await JsonSerializer.DeserializeAsync<BackupManifest>(manifestStream);
        }
        catch (Exception exception) when (exception is InvalidDataException or JsonException)
        {
            throw new CliUsageException($"{source} is not a Mindstack backup");
        }
        var provider = database.Provider.ToString().ToLowerInvariant();
        if (manifest is null || manifest.Provider != provider)
        {
            throw new CliUsageException($"the backup holds a {manifest?.Provider ?? "unknown"} database; this server is configured for {provider}");
        }

        Directory.CreateDirectory(database.DataDirectory);
        var root = Path.GetFullPath(database.DataDirectory) + Path.DirectorySeparatorChar;
        foreach (var entry in zip.Entries.Where(e => e.FullName.StartsWith(FilesPrefix, StringComparison.Ordinal) && e.Name.Length > 0))
        {
            var path = Path.GetFullPath(Path.Combine(database.DataDirectory, entry.FullName[FilesPrefix.Length..]));
            if (!path.StartsWith(root, StringComparison.Ordinal))
            {
                throw new CliUsageException($"{source} names a file outside the data folder: {entry.FullName}");
            }
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await entry.ExtractToFileAsync(path, overwrite: false);
        }
        if (OperatingSystem.IsLinux() && File.Exists(Path.Combine(database.DataDirectory, DataProtectionAtRest.MasterKeyFile)))
        {
            File.SetUnixFileMode(Path.Combine(database.DataDirectory, DataProtectionAtRest.MasterKeyFile), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        var databaseEntry = zip.GetEntry(manifest.DatabaseEntry) ?? throw new CliUsageException($"{source} has no database ({manifest.DatabaseEntry})");
        if (database.Provider == DatabaseProvider.Sqlite)
        {
            await databaseEntry.ExtractToFileAsync(Path.Combine(database.DataDirectory, SqliteEntry), overwrite: false);
        }
        else
        {
            var work = Directory.CreateTempSubdirectory("mindstack-restore-");
            try
            {
                var dump = Path.Combine(work.FullName, PostgresEntry);
                await databaseEntry.ExtractToFileAsync(dump);
                if (!await RunPostgresToolAsync(context, "pg_restore", database.ConnectionString, ["--no-owner", "--exit-on-error", dump]))
                {
                    await context.Error.WriteLineAsync(
                        "pg_restore is not installed (Debian: apt-get install postgresql-client); the data folder's files are restored. " +
                        $"Restore the database yourself: unzip {PostgresEntry} from the backup, then pg_restore --no-owner --dbname \"<the Mindstack:Database connection>\" {PostgresEntry}");
                    return 1;
                }
            }
            finally
            {
                work.Delete(recursive: true);
            }
        }
        context.Output.WriteLine($"restored the {database.Provider} database and {manifest.Files} file(s) into {database.DataDirectory}");
        return 0;
    }

    /// <summary>A transactionally consistent copy of a live SQLite database (WAL readers never block the server's writer).</summary>
    private static async Task SnapshotSqliteAsync(string connectionString, string target)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder(connectionString) { Pooling = false }.ToString());
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA busy_timeout = 30000; VACUUM INTO $target;";
        command.Parameters.AddWithValue("$target", target);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The data folder's files, without the live database (snapshotted apart) and uploads still being received.</summary>
    private static IEnumerable<string> DataFiles(string dataDirectory)
    {
        if (!Directory.Exists(dataDirectory))
        {
            yield break;
        }
        var incoming = Path.Combine(dataDirectory, "media", "incoming") + Path.DirectorySeparatorChar;
        foreach (var file in Directory.EnumerateFiles(dataDirectory, "*", SearchOption.AllDirectories))
        {
            var name = Path.GetFileName(file);
            if (name.StartsWith(SqliteEntry, StringComparison.Ordinal) || name.EndsWith(".tmp", StringComparison.Ordinal)
                || file.StartsWith(incoming, StringComparison.Ordinal))
            {
                continue;
            }
            yield return file;
        }
    }

    /// <summary>Runs pg_dump or pg_restore against the configured database; false when the tool is not installed.</summary>
    private static async Task<bool> RunPostgresToolAsync(CliContext context, string tool, string connectionString, IEnumerable<string> args)
    {
        var connection = new NpgsqlConnectionStringBuilder(connectionString);
        var info = new ProcessStartInfo(tool) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        if (tool == "pg_restore")
        {
            info.ArgumentList.Add("--dbname");
            info.ArgumentList.Add(connection.Database ?? "postgres");
        }
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        // The connection goes by libpq's variables, so the password is never on a command line.
        info.Environment["PGHOST"] = connection.Host ?? "localhost";
        info.Environment["PGPORT"] = connection.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        info.Environment["PGUSER"] = connection.Username ?? Environment.UserName;
        info.Environment["PGDATABASE"] = connection.Database ?? "postgres";
        if (connection.Password is { } password)
        {
            info.Environment["PGPASSWORD"] = password;
        }
        Process process;
        try
        {
            process = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            if (process.ExitCode != 0)
            {
                throw new CliFailureException($"{tool} failed ({process.ExitCode}): {(await error).Trim()} {(await output).Trim()}");
            }
        }
        return true;
    }

    private sealed record BackupManifest(string Provider, string Version, DateTime CreatedAt, string DatabaseEntry, int Files);
}
