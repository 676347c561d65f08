using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Mindstack.Platform.Http;

/// <summary>
/// HEAD on any GET route answers as GET would (status, headers, a <c>Content-Length</c> of the body
/// GET would send, errors included) with no body: the request runs as GET into a stream that only
/// counts. Done once here, first in the pipeline, so no route has to map HEAD itself.
/// </summary>
internal sealed class HeadMiddleware(RequestDelegate next)
{
    /// <summary>The method the client sent: HEAD for a request run here as GET.</summary>
    public static string ClientMethod(HttpContext context) =>
        context.Features.Get<HeadAsGet>() is null ? context.Request.Method : HttpMethods.Head;

    public async Task InvokeAsync(HttpContext context)
    {
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await next(context);
            return;
        }
        var body = new CountingNullStream();
        var feature = new StreamResponseBodyFeature(body);
        var original = context.Features.Get<IHttpResponseBodyFeature>();
        context.Features.Set<IHttpResponseBodyFeature>(feature);
        context.Features.Set(new HeadAsGet());
        context.Request.Method = HttpMethods.Get;
        try
        {
            await next(context);
            // What the writer still buffers is part of the length.
            await feature.Writer.FlushAsync(context.RequestAborted);
        }
        finally
        {
            context.Request.Method = HttpMethods.Head;
            context.Features.Set(original);
        }
        if (!context.Response.HasStarted && context.Response.ContentLength is null && body.Length > 0)
        {
            context.Response.ContentLength = body.Length;
        }
    }

    private sealed class HeadAsGet;

    /// <summary>Accepts and forgets every write, remembering how many bytes there were.</summary>
    private sealed class CountingNullStream : Stream
    {
        private long _length;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _length;

        public override long Position
        {
            get => _length;
            set => throw new NotSupportedException();
        }

        public override void Flush()
        {
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => _length += count;

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            _length += count;
            return Task.CompletedTask;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _length += buffer.Length;
            return ValueTask.CompletedTask;
        }
    }
}
