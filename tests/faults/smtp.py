"""A small SMTP server in a thread, on a free port, that can be down and come back.

While `down`, it answers every connection with 421 and hangs up (as a mail server that is
overloaded or restarting does: smtplib raises SMTPConnectError, an OSError). Otherwise it takes
every message and keeps it, parsed, in `messages`.
"""

import email
import email.policy
import socket
import threading


class SmtpServer:
    def __init__(self, *, down: bool = False):
        self.down = down
        self.refused = 0
        self.messages: list[email.message.EmailMessage] = []
        self._socket = socket.create_server(("127.0.0.1", 0))
        self.port = self._socket.getsockname()[1]
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._socket.close()

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [message for message in self.messages if address in message["To"]]

    def _accept(self) -> None:
        while True:
            try:
                connection, _address = self._socket.accept()
            except OSError:  # closed
                return
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        with connection, connection.makefile("rb") as lines:
            if self.down:
                self.refused += 1
                connection.sendall(b"421 127.0.0.1 Service not available, try again later\r\n")
                return
            connection.sendall(b"220 127.0.0.1 ESMTP test\r\n")
            for line in lines:
                command = line[:4].upper()
                if command == b"EHLO":
                    connection.sendall(b"250-127.0.0.1\r\n250 8BITMIME\r\n")
                elif command == b"DATA":
                    connection.sendall(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    data = []
                    for data_line in lines:
                        if data_line == b".\r\n":
                            break
                        data.append(data_line[1:] if data_line.startswith(b"..") else data_line)
                    self.messages.append(
                        email.message_from_bytes(b"".join(data), policy=email.policy.default)
                    )
                    connection.sendall(b"250 OK queued\r\n")
                elif command == b"QUIT":
                    connection.sendall(b"221 Bye\r\n")
                    return
                else:  # HELO, MAIL, RCPT, RSET, NOOP
                    connection.sendall(b"250 OK\r\n")


def text_of(message: email.message.EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()
