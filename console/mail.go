package console

import (
	"context"
	"fmt"
)

// sendMail sends a plain-text e-mail from the console's sender address.
func (s *Server) sendMail(ctx context.Context, to, subject, text string) error {
	if err := s.cfg.Mail.Send(ctx, Mail{From: s.cfg.From, To: to, Subject: subject, Text: text + mailFooter}); err != nil {
		return fmt.Errorf("send mail: %w", err)
	}
	return nil
}

const mailFooter = "\n\n—\neasytocloud. If you did not expect this e-mail, you can ignore it: nothing happens unless the link is used."
